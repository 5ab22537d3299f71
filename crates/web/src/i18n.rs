//! The user-interface strings in English and Korean.

use std::borrow::Borrow;

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// From a tag (`ko`, `ko-KR` → Korean; anything else English).
    pub fn parse(tag: Option<&str>) -> Lang {
        match tag {
            Some(t) if t.to_ascii_lowercase().starts_with("ko") => Lang::Ko,
            _ => Lang::En,
        }
    }

    /// The language tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// A UI string.
    pub fn t(self, key: Key) -> &'static str {
        let (en, ko) = key.texts();
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// Declares the UI strings once: the [`Key`] enum the compiler checks at every use, and each
/// key's English and Korean text.
macro_rules! strings {
    ($($key:ident => ($en:expr, $ko:expr $(,)?),)*) => {
        /// A user-interface string. A typo is a compile error; every key has both texts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key {
            $(
                #[allow(missing_docs)]
                $key,
            )*
        }

        impl Key {
            /// Every key, for the test that each is translated.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            /// (English, Korean).
            fn texts(self) -> (&'static str, &'static str) {
                match self {
                    $(Key::$key => ($en, $ko),)*
                }
            }
        }
    };
}

strings! {
    Title => ("Pillar", "Pillar"),
    OutsideShareOne => ("{pct} % of its supply from outside the coalition", "공급의 {pct}%가 연합 외 국가에서 옴"),
    OutsideShare => ("{pct} % from outside the coalition ({item}; {n} end items)", "연합 외 국가 {pct}% ({item}; 최종 품목 {n}개)"),
    SupplyExposureIntro => (
        "For the systems the projects of each workstream and nation deliver (end items of the supply networks you may read): the largest share of any one system's supply that comes, through every tier, from countries outside the coalition.",
        "각 작업 분야·국가의 사업이 납품하는 체계(열람 가능한 공급망의 최종 품목) 중, 전 계층을 거쳐 연합 외 국가에서 오는 공급 비중이 가장 큰 체계의 비중입니다.",
    ),
    EndItemsField => ("Systems delivered", "납품 체계"),
    SizeBytes => ("Bytes", "바이트"),
    ConcernByEndItem => ("Share from countries of concern, by end item (%)", "최종 품목별 우려 국가 비중 (%)"),
    DependingOn => ("End items depending on", "의존 국가별 최종 품목"),
    LoseCountries => ("Countries lost together", "함께 잃는 국가"),
    LoseSuppliersSites => ("Suppliers and sites lost", "잃는 공급업체와 사업장"),
    Suppliers => ("Suppliers", "공급업체"),
    Sites => ("Sites", "사업장"),
    TimesRunnerUp => ("{x} times the runner-up's top-10 % output", "차순위 국가 상위 10% 논문 수의 {x}배"),
    ShareLeadingInstitutions => ("{p} % of the ten leading institutions", "상위 10개 기관 중 {p}%"),
    MeanDaysLate => ("Mean days late", "평균 지연 일수"),
    NotAssessed => ("Not assessed", "평가 없음"),
    ShownOf => ("{n} of {total} shown", "전체 {total}건 중 {n}건 표시"),
    Name => ("Name", "이름"),
    Code => ("Code", "코드"),
    Members => ("Members", "구성국"),
    PartOf => ("Part of", "상위"),
    Nationality => ("Nationality", "국적"),
    Roles => ("Roles", "역할"),
    Taxonomy => ("Taxonomy", "분류 체계"),
    Parties => ("Parties", "당사국"),
    ValidFrom => ("In force from", "발효일"),
    ValidTo => ("In force until", "종료일"),
    Any => ("Any", "전체"),
    InForceToday => ("In force today", "현재 발효 중"),
    Filter => ("Filter", "필터 적용"),
    Id => ("Identifier", "식별자"),
    MemberOf => ("Member of", "소속 그룹"),
    Organisations => ("Organisations", "기관"),
    People => ("People", "인원"),
    SubOrganisations => ("Organisations under it", "하위 기관"),
    SubAreas => ("Areas under it", "하위 분야"),
    SignIn => ("Sign in", "로그인"),
    SignOut => ("Sign out", "로그아웃"),
    User => ("User id", "사용자 ID"),
    Password => ("Password", "비밀번호"),
    BadLogin => (
                "Wrong user id or password.",
                "사용자 ID 또는 비밀번호가 올바르지 않습니다.",
            ),
    Throttled => (
                "Too many failed sign-ins. Try again later.",
                "로그인 실패가 너무 많습니다. 나중에 다시 시도하십시오.",
            ),
    Agreements => ("Agreements", "협정"),
    Kind => ("Kind", "유형"),
    Areas => ("Technology areas", "기술 분야"),
    Status => ("Status", "상태"),
    Marking => ("Marking", "표시"),
    Count => ("shown", "건 표시"),
    SearchBroad => (
                "More than 2 000 documents match: the newest are listed first. Add words to rank by relevance.",
                "일치하는 문서가 2,000건을 넘어 최신 문서부터 표시합니다. 검색어를 추가하면 관련도순으로 정렬됩니다.",
            ),
    NotFound => ("Not found", "찾을 수 없음"),
    SkipToContent => ("Skip to content", "본문 바로가기"),
    Navigation => ("Navigation", "탐색"),
    SignedInAs => ("Signed in as", "로그인 사용자"),
    Language => ("한국어", "English"),
    Decision => ("policy decision required", "정책 결정 필요"),
    Documents => ("Documents", "문서"),
    Search => ("Search", "검색"),
    Upload => ("Upload", "올리기"),
    TitleField => ("Title", "제목"),
    LabelField => ("Label", "보안 표지"),
    Policy => ("Policy", "정책"),
    Classification => ("Classification", "등급"),
    PermissiveRule => ("readers need one of these", "이 중 하나를 가진 사람이 열람"),
    RestrictiveRule => ("readers need every one", "모두 가진 사람만 열람"),
    InformativeRule => ("for information", "참고"),
    ClearanceShort => (
                "Your clearance does not satisfy this label: you could not read what you write under it.",
                "귀하의 인가로는 이 보안 표지를 충족하지 못합니다: 이 표지로 쓴 것을 읽을 수 없습니다.",
            ),
    NewMeeting => ("Record a meeting", "회의 기록"),
    Pages => ("Pages", "페이지"),
    PageOf => ("Page", "페이지"),
    Newer => ("Newer", "최신"),
    Older => ("Older", "이전"),
    ImportMeetings => ("Import meetings from a committee file (JSON)", "위원회 파일(JSON)에서 회의 가져오기"),
    ImportHint => (
                "A JSON file {\"meetings\": [...]}, each meeting with committee, title, date, label and optionally attendees, agenda, decisions and actions. All are recorded or none, each under a new id.",
                "JSON 파일 {\"meetings\": [...]}: 각 회의에 위원회(committee), 제목(title), 날짜(date), 보안 표지(label)와 선택적으로 참석자, 안건, 결정, 조치 항목. 모두 기록되거나 하나도 기록되지 않으며, 각 회의에 새 식별자가 부여됩니다.",
            ),
    ImportButton => ("Import", "가져오기"),
    ImportedMeetings => ("Recorded from the file", "파일에서 기록된 회의"),
    Place => ("Place", "장소"),
    EditMeeting => ("Change the meeting", "회의 변경"),
    AddItem => ("Add to the minutes", "회의록에 추가"),
    ItemKind => ("Kind", "종류"),
    AgendaKind => ("Agenda item", "안건"),
    DecisionKind => ("Decision", "결정"),
    ActionKind => ("Action item", "조치 사항"),
    ItemText => ("Title or text", "제목 또는 내용"),
    ItemDetails => ("Notes or rationale", "메모 또는 근거"),
    Basis => ("Reached by (consensus, or the vote)", "결정 방식 (합의 또는 표결 결과)"),
    LinkedProject => ("Project", "사업"),
    NoneChosen => ("(none)", "(없음)"),
    MarkDone => ("Mark done", "완료 처리"),
    Save => ("Save", "저장"),
    ItemLabelNote => (
                "The label of the item: the meeting's unless changed here.",
                "항목의 보안 표지: 여기서 바꾸지 않으면 회의의 표지를 따릅니다.",
            ),
    Print => ("Print", "인쇄"),
    PreviewMarking => ("Preview the marking", "표시 미리 보기"),
    LabelJsonAdvanced => (
                "Advanced: the label as STANAG 4774 JSON (wins when filled in)",
                "고급: STANAG 4774 JSON 보안 표지 (입력하면 우선)",
            ),
    FileAgain => ("Choose the file again to upload.", "올릴 파일을 다시 선택하십시오."),
    StewardsField => (
                "Stewards (person ids, optional: besides your organisation, who may change it)",
                "관리자 (사람 ID, 선택: 본인 기관 외에 변경할 수 있는 사람)",
            ),
    File => ("File", "파일"),
    Version => ("Version", "판"),
    Versions => ("Versions", "판 이력"),
    NewVersion => ("New version", "새 판"),
    Uploaded => ("Uploaded", "올린 시각"),
    Download => ("Download", "내려받기"),
    DownloadTdf => ("Download as TDF", "TDF로 내려받기"),
    DownloadTdfHelp => (
        "Encrypted, its label inside: only people the label allows get the key from this server",
        "암호화되고 등급 표지가 담긴 파일: 표지가 허용하는 사람만 이 서버에서 키를 받습니다"
    ),
    Audit => ("Audit", "감사 기록"),
    Tokens => ("API tokens", "API 토큰"),
    TokenName => ("Name", "이름"),
    Created => ("Created", "생성 시각"),
    CreateToken => ("Create a token", "토큰 만들기"),
    TokenOnce => (
                "Your new token — copy it now, it is not shown again:",
                "새 토큰입니다. 다시 표시되지 않으니 지금 복사하십시오:",
            ),
    Revoke => ("Revoke", "폐기"),
    Revoked => ("revoked", "폐기됨"),
    ChartWorkstream => ("Projects by workstream", "작업 분야별 사업"),
    ChartArea => ("Projects by critical technology area", "핵심기술 분야별 사업"),
    ChartNation => ("Projects by nation taking part", "참여국별 사업"),
    ChartStage => ("Projects by stage", "단계별 사업"),
    ChartTrl => ("Projects by current TRL", "현재 TRL별 사업"),
    ChartProgression => ("Mean TRL per workstream at each year end", "연말 기준 작업 분야별 평균 TRL"),
    ChartCostShare => ("Cost share per nation (project equivalents, financial)", "국가별 비용 분담 (사업 환산, 재정)"),
    ChartSlippage => ("Mean milestone slippage per workstream (days)", "작업 분야별 평균 일정 지연 (일)"),
    ChartTrlHistory => ("TRL assessments over time", "시기별 TRL 평가"),
    ProjectsShort => ("projects", "건"),
    MedianTrl => ("median TRL", "TRL 중앙값"),
    StalledShort => ("stalled", "정체"),
    AgreementsShort => ("agreements in force", "유효 협정"),
    ReadinessIntro => ("The {n} joint projects you may see, by workstream and nation: how many, their median TRL, how many are stalled (TRL 4–6 for more than {days} days), and the agreements in force covering the workstream for that nation.", "열람 가능한 공동사업 {n}건을 작업 분야와 국가별로 보여줍니다: 사업 수, TRL 중앙값, 정체 사업 수({days}일 넘게 TRL 4–6), 해당 국가에 대해 그 분야를 포괄하는 유효 협정 수."),
    Workstream => ("Workstream", "작업 분야"),
    SupplyExposure => ("Supply-chain exposure of the systems involved", "관련 체계의 공급망 노출"),
    ResearchStrength => ("Research strength", "연구 역량"),
    NotYetAnalysed => ("Not yet analysed.", "아직 분석되지 않았습니다."),
    Portfolio => ("Portfolio", "사업 현황"),
    ReadinessView => ("Pillar 2 readiness", "Pillar 2 준비 현황"),
    AsTable => ("As a table", "표로 보기"),
    StalledProjects => ("Stalled projects", "정체 사업"),
    StalledIntro => ("Projects at TRL 4–6 for more than {days} days (the \"valley of death\"); ?stall=DAYS changes the period.", "{days}일 넘게 TRL 4–6에 머문 사업(\"죽음의 계곡\"); ?stall=일수 로 기간을 바꿀 수 있습니다."),
    Since => ("Since", "시작일"),
    Days => ("Days", "일수"),
    Projects => ("Projects", "사업"),
    Lead => ("Lead", "주관"),
    NationsField => ("Nations", "국가"),
    Stage => ("Stage", "단계"),
    Pathway => ("Acquisition pathway", "획득 경로"),
    Start => ("Start", "시작"),
    Transition => ("Transition", "전력화 이전"),
    Agreement => ("Governing agreement", "근거 협정"),
    Readiness => ("Readiness", "준비도"),
    StalledSince => ("Stalled: in TRL 4–6 since {date}.", "정체: {date}부터 TRL 4–6."),
    MilestoneBFlag => ("Milestone B: critical technology {name} is at TRL {trl}, below TRL 6.", "마일스톤 B: 핵심기술 {name}의 TRL이 {trl}로 TRL 6 미만입니다."),
    CompositeSrl => ("Composite SRL", "종합 SRL"),
    Component => ("Component", "구성품"),
    Signed => ("signed", "서명됨"),
    Draft => ("draft", "초안"),
    Assessments => ("Assessments", "평가"),
    Date => ("Date", "일자"),
    Scale => ("Scale", "척도"),
    Level => ("Level", "수준"),
    Assessor => ("Assessor", "평가자"),
    Evidence => ("Evidence", "근거"),
    Participants => ("Participants and cost shares", "참여 기관과 비용 분담"),
    Nation => ("Nation", "국가"),
    Organisation => ("Organisation", "기관"),
    Role => ("Role", "역할"),
    Financial => ("Financial", "재정"),
    InKind => ("In kind", "현물"),
    Milestones => ("Milestones", "마일스톤"),
    Planned => ("Planned", "계획"),
    Actual => ("Actual", "실적"),
    DaysLate => ("Days late", "지연 일수"),
    Risks => ("Risks", "위험"),
    Likelihood => ("Likelihood", "발생 가능성"),
    Consequence => ("Consequence", "영향"),
    Score => ("Score", "점수"),
    Coverage => ("Agreement coverage", "협정 적용 범위"),
    SupplyNetworks => ("Supply networks", "공급망 네트워크"),
    NoSupplyNetworks => (
        "No supply network you may read has been imported yet (pillar supply import).",
        "열람할 수 있는 공급망 네트워크가 아직 없습니다 (pillar supply import).",
    ),
    Items => ("Items", "품목 수"),
    Imported => ("Imported", "등록 일시"),
    EndItems => ("End items", "최종 품목"),
    EndItemsIntro => (
        "Each system's dependence on countries through every tier of its bill of materials, weighted by value; the countries of concern are {concern}.",
        "각 체계가 자재 명세의 모든 계층을 거쳐 어느 나라에 의존하는지를 가치 비중으로 나타냅니다. 우려 국가: {concern}.",
    ),
    LargestExposure => ("Largest exposure", "최대 의존 국가"),
    ConcernShare => ("From countries of concern", "우려 국가 비중"),
    Hhi => ("Concentration (HHI)", "집중도 (HHI)"),
    SinglePoints => ("Single points of failure", "단일 실패 지점"),
    IndependentSources => ("Independent sources", "독립 공급 경로"),
    ExposureByCountry => ("Exposure by country, through every tier", "전 계층 국가별 의존도"),
    Share => ("Share", "비중"),
    AlliedAlternatives => ("Allied alternatives", "동맹국 대체 공급원"),
    NoneFound => ("none found", "없음"),
    WhatIf => ("What if a supply is lost?", "공급이 끊기면?"),
    DisruptField => (
        "Lose (country:CHN, supplier:ID or site:ID; several separated by commas)",
        "손실 대상 (country:CHN, supplier:ID 또는 site:ID; 여러 개는 쉼표로 구분)",
    ),
    CapacityField => ("Capacity that remains (0 to 1)", "남는 생산 능력 (0~1)"),
    Compute => ("Compute", "계산"),
    Retained => ("Supply retained", "유지되는 공급"),
    TimeToSurvive => ("Time to survive", "버틸 수 있는 기간"),
    NoShortfall => ("no shortfall", "부족 없음"),
    LossPath => ("Path of the loss", "손실 경로"),
    Disrupted => ("Lost", "손실 대상"),
    Covered => ("Covered", "적용됨"),
    ReleaseUncovered => (
        "No agreement in force covers this release; nothing changed.",
        "이 배포를 포괄하는 발효 중인 협정이 없어 아무것도 변경되지 않았습니다.",
    ),
    ReleasedLabel => ("Released", "배포됨"),
    BackToDocument => ("Back to the document", "문서로 돌아가기"),
    Gaps => ("Not covered by an agreement in force", "유효 협정이 없는 범위"),
    History => ("History", "변경 이력"),
    By => ("By", "작성자"),
    Change => ("Change", "변경 내용"),
    Committee => ("Committee", "위원회"),
    Supply => ("Supply chain", "공급망"),
    Landscape => ("Technology landscape", "기술 지형"),
    Analyses => ("Analyses", "분석"),
    Published => ("Published", "게시일"),
    Period => ("Period", "기간"),
    Works => ("works", "편"),
    WorksAnalysed => ("Works analysed", "분석 논문 수"),
    NoAnalyses => ("No analysis you may read has been published.", "열람 가능한 분석이 게시되지 않았습니다."),
    Methodology => ("Methodology", "방법론"),
    MethodologyIntro => ("Indicators are computed from research-output records (OpenAlex Works) by the queries below; every formula and its source is in docs/landscape.md.", "지표는 아래 검색식으로 연구 성과 기록(OpenAlex Works)에서 계산됩니다. 모든 공식과 출처는 docs/landscape.md에 있습니다."),
    HeatMap => ("Specialisation (RSCA) by nation and area", "국가·분야별 특화 지수(RSCA)"),
    TechArea => ("Technology area", "기술 분야"),
    Output => ("Output", "산출"),
    OutputFractional => ("Fractional output", "분수 산출"),
    Top10Fractional => ("Top-10 % works", "상위 10 % 논문"),
    PpTop10 => ("PP(top 10 %)", "상위 10 % 비율"),
    MonopolyRisk => ("Monopoly risk", "독점 위험"),
    RiskLow => ("low", "낮음"),
    RiskMedium => ("medium", "중간"),
    RiskHigh => ("high", "높음"),
    LeadNation => ("Lead nation", "선도 국가"),
    LeadingInstitutions => ("Leading institutions", "주요 기관"),
    Collaboration => ("Collaboration", "협력"),
    CoAuthored => ("Co-authored works", "공동 저작"),
    Salton => ("Salton's cosine", "살톤 코사인"),
    AssociationStrength => ("Association strength", "연관 강도"),
    PartnersFor => ("Partner suggestions for", "협력 파트너 제안:"),
    Complementarity => ("Complementarity", "보완성"),
    FillsGaps => ("Strong where the nation is weak", "약점 보완 분야"),
    AmongNations => ("Among", "대상 국가"),
    IncludeOutside => ("Include nations outside the coalition", "연합 외 국가 포함"),
    OutsideFlag => ("outside the coalition", "연합 외"),
    ConcernFlag => ("nation of concern", "우려 국가"),
    ShowButton => ("Show", "보기"),
    CoalitionOnly => (
                "Suggestions are among the coalition's nations; nations outside it are shown only when asked for, and flagged.",
                "제안은 연합 국가 중에서만 합니다. 연합 외 국가는 요청할 때만 표시되며 별도로 표시됩니다.",
            ),
    NoPartners => ("No suggestions for this nation in this analysis.", "이 분석에는 이 국가에 대한 제안이 없습니다."),
    Query => ("Query", "검색식"),
    NotBuilt => ("This module is not built yet.", "이 기능은 아직 준비되지 않았습니다."),
    Overdue => ("overdue", "기한 초과"),
    Due => ("Due", "기한"),
    Action => ("Action", "조치 사항"),
    Owner => ("Owner", "담당자"),
    Meeting => ("Meeting", "회의"),
    ReportsTo => ("reports to", "상위:"),
    Committees => ("Committees and working groups", "위원회와 실무그룹"),
    Meetings => ("Meetings", "회의"),
    OpenActions => ("Open action items", "미결 조치 사항"),
    Rationale => ("Rationale:", "근거:"),
    Attendees => ("Attendees", "참석자"),
    Agenda => ("Agenda", "안건"),
    Decisions => ("Decisions", "결정 사항"),
    Actions => ("Action items", "조치 사항"),
    MyActions => ("Your open action items", "나의 미결 조치 사항"),
    OriginatedBy => ("Originated by", "생산 주체"),
    AuditWhen => ("Time", "시각"),
    AuditActor => ("Who", "행위자"),
    AuditAction => ("Action", "행위"),
    AuditObject => ("Object", "대상"),
    AuditDecision => ("Decision", "결정"),
    AuditDetail => ("Detail", "세부 내용"),
    Withdraw => ("Withdraw this document", "이 문서 철회"),
    LabelSection => ("Label", "보안 등급"),
    LabelJson => ("Label (JSON)", "보안 등급 (JSON)"),
    ReleaseAreas => (
                "Technology areas of the content (for a release: area ids, comma-separated)",
                "내용의 기술 분야 (공개 시: 분야 ID, 쉼표로 구분)",
            ),
    ChangeLabel => ("Change the label", "보안 등급 변경"),
    WithdrawReason => (
                "Reason (shown with the document to everyone who may read it)",
                "사유 (문서를 열람할 수 있는 모든 사람에게 표시됨)",
            ),
    Withdrawn => ("Withdrawn", "철회됨"),
    WithdrawnConflict => (
                "This document is withdrawn: nothing changes it any more.",
                "철회된 문서이므로 더 이상 변경할 수 없습니다.",
            ),
    TheCommittee => ("the committee", "위원회"),
    CommitteeOwn => (
                "the committee's own record, kept by its secretariat",
                "사무국이 관리하는 위원회 자체 기록",
            ),
    Stewards => ("stewards", "지정 관리자"),
    MayNotAssess => ("Your clearance does not cover this project's label: you may read it but not assess it.", "이 사업의 보안 등급이 본인 인가 범위를 넘어 열람만 가능하며 평가할 수 없습니다."),
    WholeProject => ("the project as a whole", "사업 전체"),
    SignAssessment => ("Sign this assessment (it can never be changed afterwards)", "이 평가에 서명 (서명 후에는 수정할 수 없습니다)"),
    SaveAssessment => ("Record the assessment", "평가 기록"),
    LevelOneNotReached => ("Level 1 is not reached: nothing was recorded.", "1수준에 도달하지 못해 기록하지 않았습니다."),
    NewAssessment => ("New assessment with the questionnaire", "설문으로 새 평가"),
}

/// Why a change was refused, in the reader's language (`pillar_core::stewardship`).
pub fn refusal_text(lang: Lang, r: &pillar_core::stewardship::Refusal) -> String {
    use pillar_core::stewardship::Refusal;
    match lang {
        Lang::En => r.to_string(),
        Lang::Ko => match r {
            Refusal::NoWritingRole => {
                "작성 권한이 있는 역할(사무국, 위원, 공개 승인권자, 분석관)이 없습니다.".into()
            }
            Refusal::NotSteward {
                organisation: None,
                nation,
            } if nation.as_str() == pillar_core::stewardship::COMMITTEE => {
                "이 기록은 위원회 자체 기록으로 사무국이 관리합니다.".into()
            }
            Refusal::NotSteward {
                organisation,
                nation,
            } => format!(
                "이 기록은 {} ({nation})와(과) 지정된 관리자가 관리합니다. 변경은 그들에게 요청하십시오.",
                organisation.as_deref().unwrap_or("생성 기관")
            ),
            Refusal::NotReleaseAuthority { nation } => format!(
                "이 등급을 낮추는 것은 {nation}의 공개 결정입니다. {nation}의 공개 승인권자가 필요합니다."
            ),
            Refusal::OtherNation { nation } => format!(
                "이 기록은 {nation}에서 생성되었습니다. 공개 여부는 본인 국가가 아니라 {nation}이(가) 결정합니다."
            ),
            Refusal::NotAssessor => "사업 평가는 주관·참여 기관 소속자 또는 지정된 평가자만 기록할 수 있습니다.".into(),
            Refusal::NotSecretariat => "위원회 기록은 사무국이 관리합니다.".into(),
        },
    }
}

/// Korean names of the nations and groups Pillar's pages name most (the coalition, its groups,
/// and the countries its analyses most often show); others keep their English name.
const KOREAN_NATIONS: &[(&str, &str)] = &[
    ("USA", "미국"),
    ("KOR", "대한민국"),
    ("AUS", "호주"),
    ("GBR", "영국"),
    ("JPN", "일본"),
    ("CAN", "캐나다"),
    ("NZL", "뉴질랜드"),
    ("FVEY", "파이브 아이즈"),
    ("AUKUS", "오커스(AUKUS)"),
    ("CFCK", "한미연합군사령부"),
    ("CHN", "중국"),
    ("RUS", "러시아"),
    ("PRK", "북한"),
    ("IRN", "이란"),
    ("IND", "인도"),
    ("DEU", "독일"),
    ("FRA", "프랑스"),
    ("ITA", "이탈리아"),
    ("ESP", "스페인"),
    ("NLD", "네덜란드"),
    ("SWE", "스웨덴"),
    ("CHE", "스위스"),
    ("ISR", "이스라엘"),
    ("SGP", "싱가포르"),
    ("TWN", "대만"),
    ("BRA", "브라질"),
    ("NOR", "노르웨이"),
    ("FIN", "핀란드"),
    ("DNK", "덴마크"),
    ("POL", "폴란드"),
    ("BEL", "벨기에"),
    ("AUT", "오스트리아"),
    ("TUR", "튀르키예"),
    ("SAU", "사우디아라비아"),
    ("PAK", "파키스탄"),
    ("MYS", "말레이시아"),
    ("VNM", "베트남"),
    ("THA", "태국"),
    ("IDN", "인도네시아"),
    ("PHL", "필리핀"),
    ("UKR", "우크라이나"),
    ("COD", "콩고민주공화국"),
    ("MMR", "미얀마"),
    ("NGA", "나이지리아"),
    ("TJK", "타지키스탄"),
    ("ZAF", "남아프리카공화국"),
    ("CHL", "칠레"),
    ("ARG", "아르헨티나"),
    ("BOL", "볼리비아"),
    ("PER", "페루"),
    ("MEX", "멕시코"),
    ("KAZ", "카자흐스탄"),
    ("MNG", "몽골"),
    ("GIN", "기니"),
    ("ZMB", "잠비아"),
    ("GAB", "가봉"),
    ("RWA", "르완다"),
    ("MDG", "마다가스카르"),
    ("MOZ", "모잠비크"),
    ("ZWE", "짐바브웨"),
    ("COG", "콩고공화국"),
];

/// A registry nation's (or group's) name in `lang`.
pub fn nation_name(lang: Lang, n: &pillar_core::Nation) -> String {
    country_name(lang, n.code.as_str()).unwrap_or_else(|| n.name.clone())
}

/// A country's name by its alpha-3 code in `lang` (Korean where known, else the ISO short
/// name in English); `None` for a code neither knows.
pub fn country_name(lang: Lang, code: &str) -> Option<String> {
    if lang == Lang::Ko {
        if let Some((_, ko)) = KOREAN_NATIONS.iter().find(|(c, _)| *c == code) {
            return Some((*ko).to_string());
        }
    }
    pillar_core::iso_alpha3(code).map(|c| c.name.to_string())
}

/// The words of the values records take from a fixed list (statuses, kinds, roles, pathways,
/// scales): (the value as stored, English, Korean). Pages show the words; the API keeps the
/// values.
const TERMS: &[(&str, &str, &str)] = &[
    // Agreement status and kind.
    ("draft", "Draft", "초안"),
    ("in-force", "In force", "발효 중"),
    ("expired", "Expired", "만료"),
    ("terminated", "Terminated", "종료"),
    ("mou", "Memorandum of understanding", "양해각서"),
    ("project-arrangement", "Project arrangement", "사업 약정"),
    (
        "information-exchange-annex",
        "Information exchange annex",
        "정보교환 부속서",
    ),
    ("security-agreement", "Security agreement", "보안 협정"),
    // Organisation kind.
    ("ministry", "Ministry", "부처"),
    ("agency", "Agency", "기관"),
    ("laboratory", "Laboratory", "연구소"),
    ("university", "University", "대학"),
    ("company", "Company", "기업"),
    // Roles in Pillar and in a project.
    ("administrator", "Administrator", "관리자"),
    ("secretariat", "Secretariat", "사무국"),
    ("release-authority", "Release authority", "공개 승인권자"),
    ("member", "Member", "위원"),
    ("analyst", "Analyst", "분석관"),
    ("lead", "Lead", "주관"),
    ("partner", "Partner", "참여"),
    // Action items.
    ("open", "Open", "진행 중"),
    ("done", "Done", "완료"),
    ("dropped", "Dropped", "취소"),
    // Transition agreements.
    ("none", "None", "없음"),
    ("planned", "Planned", "계획"),
    ("negotiating", "Negotiating", "협상 중"),
    ("signed", "Signed", "서명 완료"),
    // Adaptive Acquisition Framework pathways.
    ("urgent", "Urgent capability acquisition", "긴급 소요 획득"),
    (
        "middle-tier",
        "Middle tier of acquisition",
        "중간 단계 획득",
    ),
    (
        "major-capability",
        "Major capability acquisition",
        "주요 역량 획득",
    ),
    ("software", "Software acquisition", "소프트웨어 획득"),
    (
        "business-systems",
        "Defense business systems",
        "국방 업무체계",
    ),
    ("services", "Acquisition of services", "용역 획득"),
    // Stages (`pillar_readiness::portfolio::stage`).
    ("unstaged", "Not staged", "단계 미지정"),
];

/// A stored value in words in `lang` (`in-force` → "In force" / "발효 중"); a project stage
/// (`Milestone B`, `BA 6.3`) with its prefix translated; anything else as given.
pub fn term(lang: impl Borrow<Lang>, value: impl AsRef<str>) -> String {
    let (lang, value) = (*lang.borrow(), value.as_ref());
    if let Some((_, en, ko)) = TERMS.iter().find(|(v, _, _)| *v == value) {
        return match lang {
            Lang::En => (*en).to_string(),
            Lang::Ko => (*ko).to_string(),
        };
    }
    match (lang, value.split_once(' ')) {
        (Lang::Ko, Some(("Milestone", m))) => format!("마일스톤 {m}"),
        (Lang::Ko, Some(("BA", b))) => format!("예산활동 {b}"),
        _ => value.to_string(),
    }
}

/// A date in `lang`'s words, as a `<time>` element (sortable by its `datetime`):
/// "5 Dec 2026" / "2026년 12월 5일".
pub fn date(lang: impl Borrow<Lang>, d: impl Borrow<chrono::NaiveDate>) -> String {
    use chrono::Datelike;
    let (lang, d) = (*lang.borrow(), *d.borrow());
    let text = match lang {
        Lang::En => d.format("%-d %b %Y").to_string(),
        Lang::Ko => format!("{}년 {}월 {}일", d.year(), d.month(), d.day()),
    };
    format!("<time datetime=\"{d}\">{text}</time>")
}

/// A stored timestamp (RFC 3339) in `lang`'s words to the minute, in UTC, as a `<time>`
/// element; a value that is not one is shown as stored (escaped).
pub fn timestamp(lang: impl Borrow<Lang>, at: impl AsRef<str>) -> String {
    use chrono::Datelike;
    let (lang, at) = (*lang.borrow(), at.as_ref());
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) else {
        return crate::pages::esc(at);
    };
    let t = t.with_timezone(&chrono::Utc);
    let text = match lang {
        Lang::En => t.format("%-d %b %Y %H:%M UTC").to_string(),
        Lang::Ko => format!(
            "{}년 {}월 {}일 {} UTC",
            t.year(),
            t.month(),
            t.day(),
            t.format("%H:%M")
        ),
    };
    format!(
        "<time datetime=\"{}\">{text}</time>",
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// A stored date (`YYYY-MM-DD`) as [`date`]; a value that is not one is shown as stored.
pub fn date_text(lang: impl Borrow<Lang>, d: impl AsRef<str>) -> String {
    match d.as_ref().parse::<chrono::NaiveDate>() {
        Ok(day) => date(lang, day),
        Err(_) => crate::pages::esc(d.as_ref()),
    }
}

/// An optional date: [`date`], or a dash.
pub fn date_or_dash(lang: impl Borrow<Lang>, d: impl Borrow<Option<chrono::NaiveDate>>) -> String {
    d.borrow()
        .map_or_else(|| "–".to_string(), |d| date(*lang.borrow(), d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_dates_and_times_read_in_both_languages() {
        assert_eq!(term(Lang::En, "in-force"), "In force");
        assert_eq!(term(Lang::Ko, "in-force"), "발효 중");
        assert_eq!(term(Lang::Ko, "Milestone B"), "마일스톤 B");
        assert_eq!(term(Lang::Ko, "BA 6.3"), "예산활동 6.3");
        assert_eq!(term(Lang::Ko, "something-new"), "something-new");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(
            date(Lang::En, d),
            "<time datetime=\"2026-12-05\">5 Dec 2026</time>"
        );
        assert_eq!(
            date(Lang::Ko, d),
            "<time datetime=\"2026-12-05\">2026년 12월 5일</time>"
        );
        assert_eq!(
            timestamp(Lang::Ko, "2026-12-05T21:45:41.5+09:00"),
            "<time datetime=\"2026-12-05T12:45:41Z\">2026년 12월 5일 12:45 UTC</time>"
        );
        assert_eq!(timestamp(Lang::En, "<not a time>"), "&lt;not a time&gt;");
        // Every value has words in both languages, and no two values share them.
        for (value, en, ko) in TERMS {
            assert!(!en.is_empty() && !ko.is_empty() && en != ko, "{value}");
            assert_eq!(
                TERMS.iter().filter(|(v, _, _)| v == value).count(),
                1,
                "{value}"
            );
        }
        // Every value of the registry's fixed lists has them.
        let values = pillar_core::AgreementStatus::OPTIONS
            .iter()
            .map(|(t, _)| *t)
            .chain(pillar_core::AgreementKind::OPTIONS.iter().map(|(t, _)| *t))
            .chain(pillar_core::OrgKind::OPTIONS.iter().map(|(t, _)| *t))
            .chain(pillar_core::Role::OPTIONS.iter().map(|(t, _)| *t))
            .chain(pillar_core::project::TRANSITION_STATUSES);
        for text in values {
            assert_ne!(term(Lang::Ko, text), text, "{text}");
        }
    }

    #[test]
    fn korean_nation_names_are_one_per_known_code() {
        for (i, (code, ko)) in KOREAN_NATIONS.iter().enumerate() {
            assert!(!ko.is_empty());
            assert!(
                pillar_core::iso_alpha3(code).is_some() || ["FVEY", "AUKUS", "CFCK"].contains(code),
                "{code} is not a country or a registry group"
            );
            assert!(
                !KOREAN_NATIONS[..i].iter().any(|(c, _)| c == code),
                "{code} twice"
            );
        }
        // Every country of the demo supply network reads in Korean.
        for code in ["COD", "MMR", "NGA", "TJK", "IDN", "MYS", "THA", "VNM"] {
            assert_ne!(
                country_name(Lang::Ko, code),
                country_name(Lang::En, code),
                "{code}"
            );
        }
    }

    #[test]
    fn every_string_exists_in_both_languages() {
        for &key in Key::ALL {
            assert!(!Lang::En.t(key).trim().is_empty(), "{key:?}");
            assert!(!Lang::Ko.t(key).trim().is_empty(), "{key:?}");
            // The product name stays as it is in both languages.
            if key != Key::Title {
                assert_ne!(
                    Lang::En.t(key),
                    Lang::Ko.t(key),
                    "{key:?} is not translated"
                );
            }
        }
        assert_eq!(Lang::parse(Some("ko-KR")), Lang::Ko);
        assert_eq!(Lang::parse(None), Lang::En);
    }
}
