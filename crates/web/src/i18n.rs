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
