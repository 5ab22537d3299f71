//! Names for the ids records carry — technology areas, organisations, people and nations — in
//! the reader's language, the id on hover, and a link to the registry page only when the reader
//! may open it. One place, so that every page names things the same way.

use std::collections::HashMap;

use pillar_core::RegistryKind;
use pillar_store::RegistryRow;

use crate::i18n::{country_name, Lang};
use crate::pages::esc;
use crate::{AppState, ServerError, Viewer};

/// The names of the registry rows one reader may read, in their language.
pub(crate) struct Names {
    lang: Lang,
    /// By kind, id → name; only rows the reader may read.
    rows: HashMap<RegistryKind, HashMap<String, String>>,
}

impl Names {
    /// Reads the names of every registry row `v` may read (one query per kind).
    pub(crate) async fn load(
        state: &AppState,
        v: &Viewer,
        lang: Lang,
    ) -> Result<Self, ServerError> {
        let reader = state.store.reader(&v.readable);
        let mut rows = HashMap::new();
        for kind in [
            RegistryKind::Nations,
            RegistryKind::Organisations,
            RegistryKind::People,
            RegistryKind::TechAreas,
            RegistryKind::Agreements,
        ] {
            let named = reader
                .export(kind)
                .await?
                .into_iter()
                .map(|r| {
                    let id = r.id().to_string();
                    let name = match r {
                        RegistryRow::Nation(n) => crate::i18n::nation_name(lang, &n),
                        RegistryRow::Organisation(o) => o.name,
                        RegistryRow::Person(p) => p.name,
                        RegistryRow::TechArea(a) => match (lang, a.name_ko) {
                            (Lang::Ko, Some(ko)) => ko,
                            _ => a.name,
                        },
                        RegistryRow::Agreement(a) => a.title,
                    };
                    (id, name)
                })
                .collect();
            rows.insert(kind, named);
        }
        Ok(Names { lang, rows })
    }

    /// The language the names are in.
    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether the reader may open the registry page of `id`.
    pub(crate) fn readable(&self, kind: RegistryKind, id: &str) -> bool {
        self.rows.get(&kind).is_some_and(|m| m.contains_key(id))
    }

    /// The name of `id` as plain text: the registry's name when the reader may read the row, a
    /// nation's name from the ISO table otherwise, else the id as the record gives it.
    pub(crate) fn name(&self, kind: RegistryKind, id: &str) -> String {
        if let Some(name) = self.rows.get(&kind).and_then(|m| m.get(id)) {
            return name.clone();
        }
        if kind == RegistryKind::Nations {
            if let Some(name) = country_name(self.lang, id) {
                return name;
            }
        }
        id.to_string()
    }

    /// The name of `id` as HTML: a link to its registry page with the id on hover when the
    /// reader may open it, else the name (the id on hover when they differ).
    pub(crate) fn link(&self, kind: RegistryKind, id: &str) -> String {
        let name = self.name(kind, id);
        if self.readable(kind, id) {
            format!(
                "<a href=\"{}\" title=\"{}\">{}</a>",
                esc(&registry_href(kind, id)),
                esc(id),
                esc(&name)
            )
        } else if name != id {
            format!("<span title=\"{}\">{}</span>", esc(id), esc(&name))
        } else {
            esc(id)
        }
    }

    /// [`Names::link`] of each id, separated by commas; a dash for none.
    pub(crate) fn links<'a>(
        &self,
        kind: RegistryKind,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> String {
        let shown: Vec<String> = ids.into_iter().map(|id| self.link(kind, id)).collect();
        if shown.is_empty() {
            "–".into()
        } else {
            shown.join(", ")
        }
    }

    /// Every readable row of `kind` as (id, name), sorted by name (for filters and pickers).
    pub(crate) fn all(&self, kind: RegistryKind) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .rows
            .get(&kind)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

/// The page of a registry row (agreements have their own list).
pub(crate) fn registry_href(kind: RegistryKind, id: &str) -> String {
    let id = urlencoding(id);
    match kind {
        RegistryKind::Agreements => format!("/agreements/{id}"),
        _ => format!("/registry/{}/{id}", kind.name()),
    }
}

/// Percent-encodes what a path segment may not hold (ids are usually plain already).
fn urlencoding(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
