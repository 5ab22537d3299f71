//! The label picker: a part of a form built from the loaded SPIFs — a policy, its
//! classification, each category tag as the SPIF defines it (Releasable To nations and groups as
//! check boxes, restrictive values) — offering only what the person's clearance lets them write,
//! with a marking preview in the reader's language (live with script, a button without), and the
//! 4774 JSON text kept as an advanced option. Reading a posted form back into a label, with an
//! error that names the field, is here too; every form that takes a label uses both.
//!
//! Fields: `label_policy` (the policy's index), then per policy `label_class_{policy}` (a lacv)
//! and `label_cat_{policy}_{ordinal}` (one check box per category value); `label` (JSON) wins
//! when filled in.

use std::collections::{BTreeSet, HashMap};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pillar_label::{Label, PolicySet, Resolved, TagKind};

use crate::i18n::{Key, Lang};
use crate::request::{Language, Signed};
use crate::{AppState, Viewer};

/// What a form holds of a label: the policy, classification and values chosen, and the JSON
/// text (which wins when not empty).
#[derive(Debug, Clone, Default)]
pub(crate) struct Chosen {
    policy: usize,
    class: Option<i64>,
    cats: BTreeSet<u32>,
    json: String,
}

impl Chosen {
    /// What `fields` chose (leniently: for showing the form again, not for writing).
    pub(crate) fn from_fields(set: &PolicySet, fields: &HashMap<String, String>) -> Chosen {
        let policy = fields
            .get("label_policy")
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p < set.policies().len())
            .unwrap_or_else(|| default_policy(set));
        let class = fields
            .get(&format!("label_class_{policy}"))
            .and_then(|c| c.parse().ok());
        let prefix = format!("label_cat_{policy}_");
        let cats = fields
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|o| o.parse().ok())
            .collect();
        Chosen {
            policy,
            class,
            cats,
            json: fields
                .get("label")
                .map(|j| j.trim().to_string())
                .unwrap_or_default(),
        }
    }

    /// A label already given (a record's current label), as the picker shows it.
    pub(crate) fn of_label(set: &PolicySet, label: &Label) -> Chosen {
        match set.resolve(label) {
            Ok(r) => Chosen {
                policy: r.policy,
                class: Some(r.class),
                cats: r.cats.into_iter().collect(),
                json: String::new(),
            },
            Err(_) => Chosen {
                json: label.to_json(),
                ..Chosen::default()
            },
        }
    }

    /// The label chosen, checked: it resolves and is valid under its policy. Without any
    /// choice, the coalition's UNCLASSIFIED. The error names the field.
    pub(crate) fn label(&self, set: &PolicySet) -> Result<Label, String> {
        let label = if !self.json.is_empty() {
            Label::from_json(&self.json).map_err(|e| format!("field `label` (JSON): {e}"))?
        } else {
            let Some(class) = self.class else {
                return Ok(Label::new(
                    Label::coalition_policy(),
                    pillar_label::COALITION_UNCLASSIFIED,
                ));
            };
            let p = set.policy(self.policy);
            if p.classification(class).is_none() {
                return Err(format!(
                    "field `label_class_{}`: `{class}` is not a classification of {}",
                    self.policy, p.name
                ));
            }
            if let Some(o) = self
                .cats
                .iter()
                .find(|o| **o as usize >= p.categories.len())
            {
                return Err(format!(
                    "field `label_cat_{}_{o}`: not a category of {}",
                    self.policy, p.name
                ));
            }
            set.to_label(&Resolved {
                policy: self.policy,
                class,
                cats: self.cats.iter().copied().collect(),
            })
        };
        let r = set
            .resolve(&label)
            .map_err(|e| format!("field `label`: {e}"))?;
        let errors = set.validate(&r);
        if errors.is_empty() {
            Ok(label)
        } else {
            Err(format!("field `label`: not valid: {}", errors.join("; ")))
        }
    }

    /// The marking of what is chosen, in `lang`, or why there is none.
    pub(crate) fn preview(&self, set: &PolicySet, lang: Lang) -> Result<String, String> {
        let label = self.label(set)?;
        let r = set
            .resolve(&label)
            .map_err(|e| format!("field `label`: {e}"))?;
        Ok(set.banner(&r, lang.tag()))
    }
}

/// The coalition policy's index, else the first.
fn default_policy(set: &PolicySet) -> usize {
    set.find(pillar_label::COALITION_POLICY_NAME).unwrap_or(0)
}

/// The picker as a part of a form (`templates/label_picker.html`).
#[derive(askama::Template)]
#[template(path = "label_picker.html")]
struct PickerPart {
    lang: Lang,
    policies: Vec<PolicyPart>,
    json: String,
    preview: Option<Result<String, String>>,
}

/// One policy's choices.
struct PolicyPart {
    index: usize,
    name: String,
    selected: bool,
    /// (lacv, name, selected)
    classes: Vec<(i64, String, bool)>,
    tags: Vec<TagPart>,
}

/// One category tag and its values.
struct TagPart {
    name: String,
    /// How its values combine, in the reader's language.
    rule: &'static str,
    /// (ordinal, name, checked)
    values: Vec<(u32, String, bool)>,
}

/// The picker for `viewer`, showing `chosen`, with the preview when asked for (or an error).
pub(crate) fn picker(
    set: &PolicySet,
    viewer: &Viewer,
    lang: Lang,
    chosen: &Chosen,
    preview: Option<Result<String, String>>,
) -> String {
    let clearance = viewer
        .person
        .clearance
        .as_ref()
        .and_then(|c| set.resolve_clearance(c).ok());
    let mut policies = Vec::new();
    for (index, p) in set.policies().iter().enumerate() {
        let (classes, cats) = match &clearance {
            Some(c) => set.choices(index, c),
            None => (Vec::new(), Vec::new()),
        };
        if classes.is_empty() {
            continue;
        }
        let selected = index == chosen.policy;
        let class = chosen
            .class
            .filter(|_| selected)
            .filter(|c| classes.contains(c))
            .or_else(|| {
                // The lowest it offers.
                classes
                    .iter()
                    .copied()
                    .min_by_key(|l| p.classification(*l).map_or(i64::MAX, |c| c.hierarchy))
            });
        let mut tags: Vec<TagPart> = Vec::new();
        for &o in &cats {
            let c = &p.categories[o as usize];
            let tag = &p.tags[c.tag];
            let name = p.tag_sets[tag.tag_set].name.clone();
            let checked = selected && chosen.cats.contains(&o);
            match tags.last_mut() {
                Some(t) if t.name == name => t.values.push((o, c.name.clone(), checked)),
                _ => tags.push(TagPart {
                    name,
                    rule: match tag.kind {
                        TagKind::Permissive | TagKind::EnumeratedPermissive => {
                            lang.t(Key::PermissiveRule)
                        }
                        TagKind::Informative => lang.t(Key::InformativeRule),
                        _ => lang.t(Key::RestrictiveRule),
                    },
                    values: vec![(o, c.name.clone(), checked)],
                }),
            }
        }
        policies.push(PolicyPart {
            index,
            name: p.name.clone(),
            selected,
            classes: classes
                .iter()
                .filter_map(|l| p.classification(*l))
                .map(|c| (c.lacv, c.name.clone(), Some(c.lacv) == class))
                .collect(),
            tags,
        });
    }
    crate::pages::fragment(&PickerPart {
        lang,
        policies,
        json: chosen.json.clone(),
        preview,
    })
}

/// `GET /labels/preview?label_policy=…`: the marking the picker's fields make, in the reader's
/// language, for the live preview (`{"marking": …}` or `{"error": …}` naming the field).
pub async fn preview(
    State(state): State<AppState>,
    Signed(_): Signed,
    Language(lang): Language,
    Query(fields): Query<HashMap<String, String>>,
) -> Result<Response, crate::request::PageError> {
    let set = state.policies().await?;
    let chosen = Chosen::from_fields(&set, &fields);
    Ok(match chosen.preview(&set, lang) {
        Ok(m) => Json(serde_json::json!({ "marking": m })).into_response(),
        Err(e) => Json(serde_json::json!({ "error": e })).into_response(),
    })
}
