//! The user-interface strings in English and Korean.

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
    pub fn t(self, key: &str) -> &'static str {
        let (en, ko) = match key {
            "title" => ("Pillar", "Pillar"),
            "sign_in" => ("Sign in", "로그인"),
            "sign_out" => ("Sign out", "로그아웃"),
            "user" => ("User id", "사용자 ID"),
            "password" => ("Password", "비밀번호"),
            "bad_login" => (
                "Wrong user id or password.",
                "사용자 ID 또는 비밀번호가 올바르지 않습니다.",
            ),
            "throttled" => (
                "Too many failed sign-ins. Try again later.",
                "로그인 실패가 너무 많습니다. 나중에 다시 시도하십시오.",
            ),
            "agreements" => ("Agreements", "협정"),
            "kind" => ("Kind", "유형"),
            "parties" => ("Parties", "당사국"),
            "areas" => ("Technology areas", "기술 분야"),
            "valid" => ("Valid", "유효 기간"),
            "status" => ("Status", "상태"),
            "marking" => ("Marking", "표시"),
            "count" => ("shown", "건 표시"),
            "search_broad" => (
                "More than 2 000 documents match: the newest are listed first. Add words to rank by relevance.",
                "일치하는 문서가 2,000건을 넘어 최신 문서부터 표시합니다. 검색어를 추가하면 관련도순으로 정렬됩니다.",
            ),            "not_found" => ("Not found", "찾을 수 없음"),
            "signed_in_as" => ("Signed in as", "로그인 사용자"),
            "language" => ("한국어", "English"),
            "decision" => ("policy decision required", "정책 결정 필요"),
            "documents" => ("Documents", "문서"),
            "search" => ("Search", "검색"),
            "upload" => ("Upload", "올리기"),
            "title_field" => ("Title", "제목"),
            "label_field" => (
                "Label (JSON; empty: coalition UNCLASSIFIED)",
                "보안 표지 (JSON; 비우면 연합 평문)",
            ),
            "file" => ("File", "파일"),
            "version" => ("Version", "판"),
            "versions" => ("Versions", "판 이력"),
            "new_version" => ("New version", "새 판"),
            "uploaded" => ("Uploaded", "올린 시각"),
            "download" => ("Download", "내려받기"),
            "audit" => ("Audit", "감사 기록"),
            "tokens" => ("API tokens", "API 토큰"),
            "token_name" => ("Name", "이름"),
            "created" => ("Created", "생성 시각"),
            "create_token" => ("Create a token", "토큰 만들기"),
            "token_once" => (
                "Your new token — copy it now, it is not shown again:",
                "새 토큰입니다. 다시 표시되지 않으니 지금 복사하십시오:",
            ),
            "revoke" => ("Revoke", "폐기"),
            "revoked" => ("revoked", "폐기됨"),
            "chart_workstream" => ("Projects by workstream", "작업 분야별 사업"),
            "chart_area" => ("Projects by critical technology area", "핵심기술 분야별 사업"),
            "chart_nation" => ("Projects by nation taking part", "참여국별 사업"),
            "chart_stage" => ("Projects by stage", "단계별 사업"),
            "chart_trl" => ("Projects by current TRL", "현재 TRL별 사업"),
            "chart_progression" => ("Mean TRL per workstream at each year end", "연말 기준 작업 분야별 평균 TRL"),
            "chart_cost_share" => ("Cost share per nation (project equivalents, financial)", "국가별 비용 분담 (사업 환산, 재정)"),
            "chart_slippage" => ("Mean milestone slippage per workstream (days)", "작업 분야별 평균 일정 지연 (일)"),
            "chart_trl_history" => ("TRL assessments over time", "시기별 TRL 평가"),
            "projects_short" => ("projects", "건"),
            "median_trl" => ("median TRL", "TRL 중앙값"),
            "stalled_short" => ("stalled", "정체"),
            "agreements_short" => ("agreements in force", "유효 협정"),
            "readiness_intro" => ("The {n} joint projects you may see, by workstream and nation: how many, their median TRL, how many are stalled (TRL 4–6 for more than {days} days), and the agreements in force covering the workstream for that nation.", "열람 가능한 공동사업 {n}건을 작업 분야와 국가별로 보여줍니다: 사업 수, TRL 중앙값, 정체 사업 수({days}일 넘게 TRL 4–6), 해당 국가에 대해 그 분야를 포괄하는 유효 협정 수."),
            "workstream" => ("Workstream", "작업 분야"),
            "supply_exposure" => ("Supply-chain exposure of the systems involved", "관련 체계의 공급망 노출"),
            "research_strength" => ("Research strength", "연구 역량"),
            "not_yet_analysed" => ("Not yet analysed.", "아직 분석되지 않았습니다."),
            "portfolio" => ("Portfolio", "사업 현황"),
            "readiness_view" => ("Pillar 2 readiness", "Pillar 2 준비 현황"),
            "as_table" => ("As a table", "표로 보기"),
            "stalled_projects" => ("Stalled projects", "정체 사업"),
            "stalled_intro" => ("Projects at TRL 4–6 for more than {days} days (the \"valley of death\"); ?stall=DAYS changes the period.", "{days}일 넘게 TRL 4–6에 머문 사업(\"죽음의 계곡\"); ?stall=일수 로 기간을 바꿀 수 있습니다."),
            "since" => ("Since", "시작일"),
            "days" => ("Days", "일수"),
            "projects" => ("Projects", "사업"),
            "lead" => ("Lead", "주관"),
            "nations_field" => ("Nations", "국가"),
            "stage" => ("Stage", "단계"),
            "pathway" => ("Acquisition pathway", "획득 경로"),
            "start" => ("Start", "시작"),
            "transition" => ("Transition", "전력화 이전"),
            "agreement" => ("Governing agreement", "근거 협정"),
            "readiness" => ("Readiness", "준비도"),
            "stalled_since" => ("Stalled: in TRL 4–6 since {date}.", "정체: {date}부터 TRL 4–6."),
            "milestone_b_flag" => ("Milestone B: critical technology {name} is at TRL {trl}, below TRL 6.", "마일스톤 B: 핵심기술 {name}의 TRL이 {trl}로 TRL 6 미만입니다."),
            "composite_srl" => ("Composite SRL", "종합 SRL"),
            "component" => ("Component", "구성품"),
            "signed" => ("signed", "서명됨"),
            "draft" => ("draft", "초안"),
            "assessments" => ("Assessments", "평가"),
            "date" => ("Date", "일자"),
            "scale" => ("Scale", "척도"),
            "level" => ("Level", "수준"),
            "assessor" => ("Assessor", "평가자"),
            "evidence" => ("Evidence", "근거"),
            "participants" => ("Participants and cost shares", "참여 기관과 비용 분담"),
            "nation" => ("Nation", "국가"),
            "organisation" => ("Organisation", "기관"),
            "role" => ("Role", "역할"),
            "financial" => ("Financial", "재정"),
            "in_kind" => ("In kind", "현물"),
            "milestones" => ("Milestones", "마일스톤"),
            "planned" => ("Planned", "계획"),
            "actual" => ("Actual", "실적"),
            "days_late" => ("Days late", "지연 일수"),
            "risks" => ("Risks", "위험"),
            "likelihood" => ("Likelihood", "발생 가능성"),
            "consequence" => ("Consequence", "영향"),
            "score" => ("Score", "점수"),
            "coverage" => ("Agreement coverage", "협정 적용 범위"),
            "covered" => ("Covered", "적용됨"),
            "gaps" => ("Not covered by an agreement in force", "유효 협정이 없는 범위"),
            "history" => ("History", "변경 이력"),
            "by" => ("By", "작성자"),
            "change" => ("Change", "변경 내용"),
            "committee" => ("Committee", "위원회"),
            "supply" => ("Supply chain", "공급망"),
            "landscape" => ("Technology landscape", "기술 지형"),
            "not_built" => ("This module is not built yet.", "이 기능은 아직 준비되지 않았습니다."),
            _ => {
                // Every string must exist in both languages; tests run with debug assertions.
                debug_assert!(false, "missing UI string `{key}`");
                ("?", "?")
            }
        };
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_exists_in_both_languages() {
        for key in [
            "title",
            "sign_in",
            "sign_out",
            "user",
            "password",
            "bad_login",
            "throttled",
            "agreements",
            "kind",
            "parties",
            "areas",
            "valid",
            "status",
            "marking",
            "count",
            "search_broad",
            "not_found",
            "signed_in_as",
            "language",
            "decision",
            "documents",
            "search",
            "upload",
            "title_field",
            "label_field",
            "file",
            "version",
            "versions",
            "new_version",
            "uploaded",
            "download",
            "audit",
            "tokens",
            "token_name",
            "created",
            "create_token",
            "token_once",
            "revoke",
            "revoked",
            "chart_workstream",
            "chart_area",
            "chart_nation",
            "chart_stage",
            "chart_trl",
            "chart_progression",
            "chart_cost_share",
            "chart_slippage",
            "chart_trl_history",
            "projects_short",
            "median_trl",
            "stalled_short",
            "agreements_short",
            "readiness_intro",
            "workstream",
            "supply_exposure",
            "research_strength",
            "not_yet_analysed",
            "portfolio",
            "readiness_view",
            "as_table",
            "stalled_projects",
            "stalled_intro",
            "since",
            "days",
            "projects",
            "lead",
            "nations_field",
            "stage",
            "pathway",
            "start",
            "transition",
            "agreement",
            "readiness",
            "stalled_since",
            "milestone_b_flag",
            "composite_srl",
            "component",
            "signed",
            "draft",
            "assessments",
            "date",
            "scale",
            "level",
            "assessor",
            "evidence",
            "participants",
            "nation",
            "organisation",
            "role",
            "financial",
            "in_kind",
            "milestones",
            "planned",
            "actual",
            "days_late",
            "risks",
            "likelihood",
            "consequence",
            "score",
            "coverage",
            "covered",
            "gaps",
            "history",
            "by",
            "change",
            "committee",
            "supply",
            "landscape",
            "not_built",
        ] {
            assert_ne!(Lang::En.t(key), "?", "{key}");
            assert_ne!(Lang::Ko.t(key), "?", "{key}");
            // The product name stays as it is in both languages.
            if key != "title" {
                assert_ne!(Lang::En.t(key), Lang::Ko.t(key), "{key} is not translated");
            }
        }
        assert_eq!(Lang::parse(Some("ko-KR")), Lang::Ko);
        assert_eq!(Lang::parse(None), Lang::En);
    }
}
