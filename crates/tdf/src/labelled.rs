//! Between Pillar's labels and a TDF's policy, both ways. A label becomes:
//!
//! - a handling assertion stating it in STANAG 5636 JSON (the label itself, signed);
//! - `dataAttributes`: attribute value URIs under an authority `A` set in configuration —
//!   `A/attr/policy/value/<policy OID>`, `A/attr/classification/value/<name>`, and per category
//!   value `A/attr/<tag set>.<restrictive|permissive|informative>/value/<name>` (names
//!   percent-encoded, RFC 3986 unreserved characters kept) — so that a client that knows
//!   nothing of labels can state one, and Pillar can read it back exactly;
//! - `dissem`: the nations of its `Releasable To` category.
//!
//! Reading attributes back gives the same label (tested for every label of the demo policies).

use pillar_label::{
    Category, CategoryType, CategoryValue, Form, Label, PolicyId, PolicySet, Resolved,
};

use crate::assertion::{Assertion, FORMAT_5636, SCHEMA_5636};
use crate::manifest::{AttributeObject, PolicyBody};

/// The tag set whose values are the nations a label releases to.
pub const RELEASABLE_TO: &str = "Releasable To";

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn kind_name(k: CategoryType) -> &'static str {
    match k {
        CategoryType::Restrictive => "restrictive",
        CategoryType::Permissive => "permissive",
        CategoryType::Informative => "informative",
    }
}

fn base(authority: &str) -> String {
    format!("{}/attr/", authority.trim_end_matches('/'))
}

/// The attribute value URIs stating `label` under `authority`.
pub fn attributes(set: &PolicySet, r: &Resolved, authority: &str) -> Vec<String> {
    let a = base(authority);
    let label = set.to_label(r);
    let oid = label
        .policy
        .uri
        .as_deref()
        .unwrap_or(&label.policy.name)
        .trim_start_matches("urn:oid:")
        .to_string();
    let mut out = vec![
        format!("{a}policy/value/{}", encode(&oid)),
        format!("{a}classification/value/{}", encode(&label.classification)),
    ];
    for c in &label.categories {
        for v in &c.values {
            let name = match v {
                CategoryValue::Generic(n) => n.clone(),
                CategoryValue::Integer(i) => i.to_string(),
                CategoryValue::BitString(b) => b.clone(),
            };
            out.push(format!(
                "{a}{}.{}/value/{}",
                encode(&c.tag_name),
                kind_name(c.kind),
                encode(&name)
            ));
        }
    }
    out
}

/// The nations `label` releases to (its `Releasable To` values).
pub fn dissem(set: &PolicySet, r: &Resolved) -> Vec<String> {
    set.to_label(r)
        .categories
        .iter()
        .filter(|c| c.tag_name == RELEASABLE_TO)
        .flat_map(|c| c.values.iter())
        .filter_map(|v| match v {
            CategoryValue::Generic(g) => Some(g.clone()),
            _ => None,
        })
        .collect()
}

/// The policy body stating `label`: its attributes under `authority` and its dissemination.
pub fn policy_body(set: &PolicySet, r: &Resolved, authority: &str) -> PolicyBody {
    PolicyBody {
        data_attributes: attributes(set, r, authority)
            .into_iter()
            .map(|attribute| AttributeObject {
                attribute,
                ..AttributeObject::default()
            })
            .collect(),
        dissem: dissem(set, r),
    }
}

/// The label the attributes under `authority` state (attributes under other authorities are
/// not Pillar's and are left aside). `Ok(None)` when none is under `authority`; an error names
/// the attribute that cannot be read.
pub fn label_from_attributes(
    set: &PolicySet,
    attrs: &[String],
    authority: &str,
) -> Result<Option<Label>, String> {
    let a = base(authority);
    let mut policy = None;
    let mut class = None;
    let mut cats: Vec<Category> = Vec::new();
    let mut any = false;
    for attr in attrs {
        let Some(rest) = attr.strip_prefix(&a) else {
            continue;
        };
        any = true;
        let Some((name, value)) = rest.split_once("/value/") else {
            return Err(format!(
                "attribute `{attr}` is not `…/attr/<name>/value/<value>`"
            ));
        };
        let value =
            decode(value).ok_or_else(|| format!("attribute `{attr}`: bad percent-encoding"))?;
        let twice = |what: &str| format!("attribute `{attr}`: a second {what}");
        match name {
            "policy" => {
                if policy.replace(value).is_some() {
                    return Err(twice("policy"));
                }
            }
            "classification" => {
                if class.replace(value).is_some() {
                    return Err(twice("classification"));
                }
            }
            other => {
                let (tag, kind) = other
                    .rsplit_once('.')
                    .ok_or_else(|| format!("attribute `{attr}`: no category type"))?;
                let kind = match kind {
                    "restrictive" => CategoryType::Restrictive,
                    "permissive" => CategoryType::Permissive,
                    "informative" => CategoryType::Informative,
                    k => return Err(format!("attribute `{attr}`: `{k}` is not a category type")),
                };
                let tag = decode(tag)
                    .ok_or_else(|| format!("attribute `{attr}`: bad percent-encoding"))?;
                match cats
                    .iter_mut()
                    .find(|c| c.tag_name == tag && c.kind == kind)
                {
                    Some(c) => c.values.push(CategoryValue::Generic(value)),
                    None => cats.push(Category {
                        kind,
                        tag_name: tag,
                        uri: None,
                        values: vec![CategoryValue::Generic(value)],
                    }),
                }
            }
        }
    }
    if !any {
        return Ok(None);
    }
    let policy = policy.ok_or("no policy attribute")?;
    let class = class.ok_or("no classification attribute")?;
    let name = set
        .find(&policy)
        .map(|i| set.policy(i).name.clone())
        .unwrap_or_else(|| policy.clone());
    Ok(Some(Label {
        policy: PolicyId {
            name,
            uri: Some(format!("urn:oid:{policy}")),
        },
        classification: class,
        privacy_mark: None,
        categories: cats,
    }))
}

/// A handling assertion stating `label` in STANAG 5636 JSON (its creation time `now`), with a
/// new random id.
pub fn handling_assertion(set: &PolicySet, r: &Resolved, now: &str) -> Assertion {
    let value = pillar_label::write_label(set, r, Form::Stanag5636, None, now)
        .expect("every resolved label has a 5636 form");
    Assertion::handling(
        crate::manifest::PolicyObject::new(PolicyBody::default()).uuid,
        FORMAT_5636,
        SCHEMA_5636,
        String::from_utf8(value).expect("5636 JSON is UTF-8"),
    )
}

/// The label a TDF's handling assertions state, if one is a STANAG 5636 label: `None` when
/// none is; an error when one is but does not resolve under `set`.
pub fn label_of_assertions(
    set: &PolicySet,
    assertions: &[Assertion],
) -> Option<Result<Resolved, String>> {
    let a = assertions
        .iter()
        .find(|a| a.kind == "handling" && a.statement.schema == SCHEMA_5636)?;
    Some(
        pillar_label::read_label(a.statement.value.as_bytes(), set)
            .map(|(r, _, _)| r)
            .map_err(|e| e.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_label_goes_to_attributes_and_back() {
        let set = pillar_label::demo::demo_policies();
        let mut n = 0;
        for (pi, p) in set.policies().iter().enumerate() {
            for c in &p.classifications {
                // Each classification with each single category, and with all of them.
                let all: Vec<u32> = (0..p.categories.len() as u32).collect();
                let mut choices: Vec<Vec<u32>> = all.iter().map(|&o| vec![o]).collect();
                choices.push(all);
                choices.push(Vec::new());
                for cats in choices {
                    let r = Resolved {
                        policy: pi,
                        class: c.lacv,
                        cats,
                    };
                    let attrs = attributes(&set, &r, "https://pillar.example/");
                    let back = label_from_attributes(&set, &attrs, "https://pillar.example")
                        .unwrap()
                        .unwrap();
                    assert_eq!(set.resolve(&back).unwrap(), r, "{attrs:?}");
                    n += 1;
                }
            }
        }
        assert!(n > 50, "{n}");
        assert_eq!(
            label_from_attributes(
                &set,
                &["https://other.example/attr/x/value/y".into()],
                "https://pillar.example"
            ),
            Ok(None)
        );
        assert!(label_from_attributes(
            &set,
            &["https://pillar.example/attr/classification/value/SECRET".into()],
            "https://pillar.example"
        )
        .unwrap_err()
        .contains("policy"));
    }
}
