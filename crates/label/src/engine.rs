//! Decisions over labels and clearances resolved against a set of policies: validity, access
//! (ACDF), display markings, equivalent-policy translation and the dominant label.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::spif::{Location, Operation, Policy, RequiredCategory, Requirement, TagKind};
use crate::types::{Category, CategoryType, CategoryValue, Clearance, Label, PolicyId};

/// Why a label or clearance could not be resolved against the policies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No loaded policy has that name or OID.
    #[error("unknown policy `{0}`")]
    UnknownPolicy(String),
    /// The label names one policy and gives the identifier of another (or of none).
    #[error("policy `{name}` has the identifier {expected}, but the label gives {given}")]
    PolicyMismatch {
        /// The policy name as written.
        name: String,
        /// The identifier as written.
        given: String,
        /// The named policy's identifier.
        expected: String,
    },
    /// The policy has no such classification.
    #[error("policy `{policy}` has no classification `{class}`")]
    UnknownClassification {
        /// Policy name.
        policy: String,
        /// Classification as written.
        class: String,
    },
    /// The policy has no such tag set.
    #[error("policy `{policy}` has no tag set `{tag}`")]
    UnknownTagSet {
        /// Policy name.
        policy: String,
        /// Tag set as written.
        tag: String,
    },
    /// The tag set has no such category.
    #[error("tag set `{tag}` of policy `{policy}` has no {kind} category {value}")]
    UnknownCategory {
        /// Policy name.
        policy: String,
        /// Tag set name.
        tag: String,
        /// Kind of the category.
        kind: String,
        /// The value as written.
        value: String,
    },
}

/// A label resolved against a policy: the policy's index in the [`PolicySet`], the
/// classification's lacv and the categories' ordinals (sorted, without duplicates).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resolved {
    /// Index of the policy in the set.
    pub policy: usize,
    /// Classification lacv.
    pub class: i64,
    /// Category ordinals, ascending (SPIF document order).
    pub cats: Vec<u32>,
}

/// A clearance resolved against a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedClearance {
    /// Index of the policy in the set.
    pub policy: usize,
    /// Classification lacvs held, ascending.
    pub classes: Vec<i64>,
    /// Category ordinals held, ascending.
    pub cats: Vec<u32>,
    class_bits: Vec<u64>,
    cat_bits: Vec<u64>,
}

fn bitset(items: impl Iterator<Item = usize>, len: usize) -> Vec<u64> {
    let mut v = vec![0u64; len.div_ceil(64).max(1)];
    for i in items {
        v[i / 64] |= 1 << (i % 64);
    }
    v
}

fn has(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// The outcome of an access decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// True when access is granted.
    pub access: bool,
    /// Why (for a denial, every unmet condition; for a grant, a summary).
    pub reasons: Vec<String>,
}

/// The dominant label of several labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dominance {
    /// A valid dominant label.
    Ok(Resolved),
    /// No label can be computed without a human decision; `computed` is the label the rules
    /// gave, when they gave one.
    PolicyDecisionRequired {
        /// The computed (invalid) label, if any.
        computed: Option<Resolved>,
        /// Why.
        reasons: Vec<String>,
    },
}

/// The policies Pillar knows, in load order.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    policies: Vec<Policy>,
}

fn oid(uri: &str) -> &str {
    uri.trim_start_matches("urn:oid:")
}

impl PolicySet {
    /// A set of policies; two policies with one OID or one name are refused.
    pub fn new(policies: Vec<Policy>) -> Result<PolicySet, String> {
        for (i, p) in policies.iter().enumerate() {
            if policies[..i].iter().any(|q| q.id == p.id) {
                return Err(format!("two policies have the OID {}", p.id));
            }
            if policies[..i].iter().any(|q| q.name == p.name) {
                return Err(format!("two policies are named `{}`", p.name));
            }
        }
        Ok(PolicySet { policies })
    }

    /// The policies.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// A policy by index.
    pub fn policy(&self, index: usize) -> &Policy {
        &self.policies[index]
    }

    /// Finds a policy by OID (with or without `urn:oid:`) or by name.
    pub fn find(&self, name_or_oid: &str) -> Option<usize> {
        let id = oid(name_or_oid);
        self.policies
            .iter()
            .position(|p| p.id == id)
            .or_else(|| self.policies.iter().position(|p| p.name == name_or_oid))
    }

    fn find_policy(&self, p: &PolicyId) -> Result<usize, ResolveError> {
        let by_name = self
            .policies
            .iter()
            .position(|q| q.name == p.name || q.id == oid(&p.name));
        if let Some(uri) = &p.uri {
            let by_uri = self.policies.iter().position(|q| q.id == oid(uri));
            // A name and an identifier that disagree name no policy: the label is invalid,
            // whichever of the two a reader would have believed.
            if let Some(n) = by_name.filter(|n| by_uri != Some(*n)) {
                return Err(ResolveError::PolicyMismatch {
                    name: p.name.clone(),
                    given: uri.clone(),
                    expected: self.policies[n].id.clone(),
                });
            }
            if let Some(i) = by_uri {
                return Ok(i);
            }
        }
        by_name.ok_or_else(|| {
            ResolveError::UnknownPolicy(match &p.uri {
                Some(u) => format!("{} ({u})", p.name),
                None => p.name.clone(),
            })
        })
    }

    fn resolve_categories(&self, pi: usize, cats: &[Category]) -> Result<Vec<u32>, ResolveError> {
        let p = &self.policies[pi];
        let mut out = BTreeSet::new();
        for c in cats {
            let ts = c
                .uri
                .as_deref()
                .and_then(|u| p.tag_set_by_id(oid(u)))
                .or_else(|| p.tag_set_by_name(&c.tag_name))
                .ok_or_else(|| ResolveError::UnknownTagSet {
                    policy: p.name.clone(),
                    tag: c.tag_name.clone(),
                })?;
            let kinds: &[TagKind] = match c.kind {
                CategoryType::Restrictive => {
                    &[TagKind::Restrictive, TagKind::EnumeratedRestrictive]
                }
                CategoryType::Permissive => &[TagKind::Permissive, TagKind::EnumeratedPermissive],
                CategoryType::Informative => &[TagKind::Informative],
            };
            let unknown = |value: String| ResolveError::UnknownCategory {
                policy: p.name.clone(),
                tag: p.tag_sets[ts].name.clone(),
                kind: c.kind.as_4774().to_ascii_lowercase(),
                value,
            };
            for v in &c.values {
                match v {
                    CategoryValue::Generic(name) => {
                        let found = p.categories.iter().position(|cat| {
                            let t = &p.tags[cat.tag];
                            t.tag_set == ts && kinds.contains(&t.kind) && cat.name == *name
                        });
                        out.insert(found.ok_or_else(|| unknown(format!("`{name}`")))? as u32);
                    }
                    CategoryValue::Integer(l) => {
                        let found = kinds.iter().find_map(|k| p.category_ordinal(ts, *k, *l));
                        out.insert(found.ok_or_else(|| unknown(format!("with lacv {l}")))?);
                    }
                    CategoryValue::BitString(bits) => {
                        for (i, b) in bits.chars().enumerate() {
                            match b {
                                '1' => {
                                    let found = kinds
                                        .iter()
                                        .find_map(|k| p.category_ordinal(ts, *k, i as i64));
                                    out.insert(found.ok_or_else(|| {
                                        unknown(format!("with lacv {i} (bit string)"))
                                    })?);
                                }
                                '0' => {}
                                _ => return Err(unknown(format!("bit string `{bits}`"))),
                            }
                        }
                    }
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Resolves a label in the 4774 / JSON form.
    pub fn resolve(&self, label: &Label) -> Result<Resolved, ResolveError> {
        let pi = self.find_policy(&label.policy)?;
        let p = &self.policies[pi];
        let class = p
            .classification_by_name(&label.classification)
            .ok_or_else(|| ResolveError::UnknownClassification {
                policy: p.name.clone(),
                class: label.classification.clone(),
            })?
            .lacv;
        Ok(Resolved {
            policy: pi,
            class,
            cats: self.resolve_categories(pi, &label.categories)?,
        })
    }

    /// Resolves a clearance in the 4774 / JSON form.
    pub fn resolve_clearance(&self, c: &Clearance) -> Result<ResolvedClearance, ResolveError> {
        let pi = self.find_policy(&c.policy)?;
        let p = &self.policies[pi];
        let mut classes = Vec::new();
        for name in &c.classifications {
            classes.push(
                p.classification_by_name(name)
                    .ok_or_else(|| ResolveError::UnknownClassification {
                        policy: p.name.clone(),
                        class: name.clone(),
                    })?
                    .lacv,
            );
        }
        let cats = self.resolve_categories(pi, &c.categories)?;
        Ok(self.clearance_from_parts(pi, classes, cats))
    }

    /// Builds a resolved clearance from lacvs and ordinals (unknown lacvs are ignored).
    pub fn clearance_from_parts(
        &self,
        pi: usize,
        mut classes: Vec<i64>,
        mut cats: Vec<u32>,
    ) -> ResolvedClearance {
        let p = &self.policies[pi];
        classes.sort_unstable();
        classes.dedup();
        cats.sort_unstable();
        cats.dedup();
        let class_bits = bitset(
            classes
                .iter()
                .filter_map(|l| p.classifications.iter().position(|c| c.lacv == *l)),
            p.classifications.len(),
        );
        let cat_bits = bitset(cats.iter().map(|&o| o as usize), p.categories.len());
        ResolvedClearance {
            policy: pi,
            classes,
            cats,
            class_bits,
            cat_bits,
        }
    }

    fn categories_of(&self, pi: usize, cats: &[u32]) -> Vec<Category> {
        let p = &self.policies[pi];
        let mut out: Vec<Category> = Vec::new();
        for &o in cats {
            let c = &p.categories[o as usize];
            let t = &p.tags[c.tag];
            let ts = &p.tag_sets[t.tag_set];
            let kind = t.kind.category_type();
            match out.last_mut() {
                Some(last) if last.tag_name == ts.name && last.kind == kind => {
                    last.values.push(CategoryValue::Generic(c.name.clone()))
                }
                _ => out.push(Category {
                    kind,
                    tag_name: ts.name.clone(),
                    uri: Some(format!("urn:oid:{}", ts.id)),
                    values: vec![CategoryValue::Generic(c.name.clone())],
                }),
            }
        }
        out
    }

    /// The 4774 / JSON form of a resolved label: names, in SPIF order.
    pub fn to_label(&self, r: &Resolved) -> Label {
        let p = &self.policies[r.policy];
        Label {
            policy: PolicyId {
                name: p.name.clone(),
                uri: Some(format!("urn:oid:{}", p.id)),
            },
            classification: p
                .classification(r.class)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| r.class.to_string()),
            privacy_mark: None,
            categories: self.categories_of(r.policy, &r.cats),
        }
    }

    /// The 4774 / JSON form of a resolved clearance.
    pub fn to_clearance(&self, c: &ResolvedClearance) -> Clearance {
        let p = &self.policies[c.policy];
        let classes = held_classes(p, c);
        Clearance {
            policy: PolicyId {
                name: p.name.clone(),
                uri: Some(format!("urn:oid:{}", p.id)),
            },
            classifications: classes.iter().map(|c| c.name.clone()).collect(),
            categories: self.categories_of(c.policy, &c.cats),
        }
    }

    fn requirement_met(req: &Requirement, cats: &[u32]) -> bool {
        let present = |g: &Vec<u32>| g.iter().any(|o| cats.binary_search(o).is_ok());
        match req.op {
            Operation::OnlyOne => req.groups.iter().filter(|g| present(g)).count() == 1,
            Operation::OneOrMore => req.groups.iter().any(present),
            Operation::All => req.groups.iter().all(present),
        }
    }

    /// Every reason the label is invalid under its policy; empty when valid.
    pub fn validate(&self, r: &Resolved) -> Vec<String> {
        let p = &self.policies[r.policy];
        let mut errors = Vec::new();
        let Some(class) = p.classification(r.class) else {
            return vec![format!(
                "policy `{}` has no classification with lacv {}",
                p.name, r.class
            )];
        };
        if class.obsolete {
            errors.push(format!("classification `{}` is obsolete", class.name));
        }
        for req in &class.required {
            if !Self::requirement_met(req, &r.cats) {
                errors.push(format!(
                    "classification `{}` requires {}",
                    class.name, req.text
                ));
            }
        }
        let mut last_tag = usize::MAX;
        let mut in_tag = 0;
        for &o in &r.cats {
            let Some(c) = p.categories.get(o as usize) else {
                errors.push(format!("no category with ordinal {o}"));
                continue;
            };
            let tag = &p.tags[c.tag];
            let what = format!("`{} {}`", tag.name, c.name);
            if c.tag == last_tag {
                in_tag += 1;
                if tag.single_selection && in_tag == 2 {
                    errors.push(format!("tag `{}` allows a single value only", tag.name));
                }
            } else {
                last_tag = c.tag;
                in_tag = 1;
            }
            if c.obsolete {
                errors.push(format!("category {what} is obsolete"));
            }
            if c.excluded_classes.contains(&r.class) {
                errors.push(format!(
                    "category {what} may not be used with classification `{}`",
                    class.name
                ));
            }
            for (set, text) in &c.excluded {
                if set
                    .iter()
                    .any(|x| *x != o && r.cats.binary_search(x).is_ok())
                {
                    errors.push(format!("category {what} excludes {text}"));
                }
            }
            for req in &c.required {
                if !Self::requirement_met(req, &r.cats) {
                    errors.push(format!("category {what} requires {}", req.text));
                }
            }
        }
        errors
    }

    /// True when the label is valid under its policy.
    pub fn is_valid(&self, r: &Resolved) -> bool {
        self.validate(r).is_empty()
    }

    /// The access decision without explanations: the fast path (no allocation).
    /// Validity is not checked here; see [`PolicySet::decide`].
    pub fn acdf(&self, label: &Resolved, clearance: &ResolvedClearance) -> bool {
        if label.policy != clearance.policy {
            return false;
        }
        let p = &self.policies[label.policy];
        let Some(ci) = p.class_lacvs.iter().position(|&l| l == label.class) else {
            return false;
        };
        if !has(&clearance.class_bits, ci) {
            return false;
        }
        let meta = &p.cat_meta;
        let cats = &label.cats;
        let mut i = 0;
        while i < cats.len() {
            let o = cats[i];
            let (tag, kind) = meta[o as usize];
            match kind {
                TagKind::Restrictive | TagKind::EnumeratedRestrictive => {
                    if !has(&clearance.cat_bits, o as usize) {
                        return false;
                    }
                    i += 1;
                }
                TagKind::Permissive | TagKind::EnumeratedPermissive => {
                    // Every value of one tag is contiguous in ordinal order; one held suffices.
                    let mut met = false;
                    while i < cats.len() && meta[cats[i] as usize].0 == tag {
                        met |= has(&clearance.cat_bits, cats[i] as usize);
                        i += 1;
                    }
                    if !met {
                        return false;
                    }
                }
                TagKind::Informative => i += 1,
            }
        }
        true
    }

    /// The access decision Pillar makes everywhere (server, store, command line): a label under
    /// another policy than the clearance's is first translated into the clearance's policy
    /// (equivalent policies, XML-SPIF `equivalentPolicies`); it must be valid there and pass the
    /// access decision. The fast form of [`PolicySet::decide_translated`].
    pub fn permits(&self, label: &Resolved, clearance: &ResolvedClearance) -> bool {
        self.translate(label, clearance.policy)
            .is_ok_and(|t| self.acdf(&t, clearance) && self.is_valid(&t))
    }

    /// What a person holding `clearance` may choose when writing a label under policy `policy`:
    /// the classifications and the restrictive or informative values their clearance satisfies
    /// (so that a label picker neither offers what they could not write nor names a programme
    /// they are not read into), and every permissive value (releasing to others is theirs to
    /// choose). Obsolete entries are left out. Classification lacvs and category ordinals, in
    /// SPIF order.
    pub fn choices(&self, policy: usize, clearance: &ResolvedClearance) -> (Vec<i64>, Vec<u32>) {
        let p = &self.policies[policy];
        let permitted = |class: i64, cats: Vec<u32>| {
            let r = Resolved {
                policy,
                class,
                cats,
            };
            self.translate(&r, clearance.policy)
                .is_ok_and(|t| self.acdf(&t, clearance))
        };
        let classes: Vec<i64> = p
            .classifications
            .iter()
            .filter(|c| !c.obsolete && permitted(c.lacv, Vec::new()))
            .map(|c| c.lacv)
            .collect();
        let lowest = p
            .classifications
            .iter()
            .filter(|c| classes.contains(&c.lacv))
            .min_by_key(|c| c.hierarchy)
            .map(|c| c.lacv);
        let cats = p
            .categories
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.obsolete)
            .filter(|(o, c)| match p.tags[c.tag].kind {
                TagKind::Permissive | TagKind::EnumeratedPermissive => true,
                _ => lowest.is_some_and(|l| permitted(l, vec![*o as u32])),
            })
            .map(|(o, _)| o as u32)
            .collect();
        (classes, cats)
    }

    /// [`PolicySet::decide`] after translating the label into the clearance's policy, with the
    /// reasons; the same answer as [`PolicySet::permits`].
    pub fn decide_translated(&self, label: &Resolved, clearance: &ResolvedClearance) -> Decision {
        match self.translate(label, clearance.policy) {
            Ok(t) => {
                let mut d = self.decide(&t, clearance);
                if label.policy != clearance.policy {
                    d.reasons.insert(
                        0,
                        format!(
                            "the label was translated from `{}` into the clearance's policy `{}`",
                            self.policies[label.policy].name, self.policies[clearance.policy].name
                        ),
                    );
                }
                d
            }
            Err(e) => Decision {
                access: false,
                reasons: vec![format!(
                    "the label under `{}` cannot be translated into the clearance's policy `{}`: {e}",
                    self.policies[label.policy].name, self.policies[clearance.policy].name
                )],
            },
        }
    }

    /// The full access decision with reasons: invalid labels, policy mismatch, classification,
    /// restrictive and permissive conditions.
    pub fn decide(&self, label: &Resolved, clearance: &ResolvedClearance) -> Decision {
        let mut reasons = Vec::new();
        if label.policy != clearance.policy {
            reasons.push(format!(
                "the label is under policy `{}` but the clearance under `{}`",
                self.policies[label.policy].name, self.policies[clearance.policy].name
            ));
            return Decision {
                access: false,
                reasons,
            };
        }
        let p = &self.policies[label.policy];
        let invalid = self.validate(label);
        if !invalid.is_empty() {
            reasons.extend(invalid.into_iter().map(|e| format!("invalid label: {e}")));
        }
        let class_name = p
            .classification(label.class)
            .map(|c| c.name.as_str())
            .unwrap_or("?");
        if !clearance.classes.contains(&label.class) {
            reasons.push(format!(
                "the clearance does not hold classification `{class_name}`"
            ));
        }
        let mut i = 0;
        while i < label.cats.len() {
            let o = label.cats[i];
            let cat = &p.categories[o as usize];
            let tag = &p.tags[cat.tag];
            let mut j = i;
            while j < label.cats.len() && p.categories[label.cats[j] as usize].tag == cat.tag {
                j += 1;
            }
            let group = &label.cats[i..j];
            match tag.kind {
                TagKind::Restrictive | TagKind::EnumeratedRestrictive => {
                    for &g in group {
                        if !has(&clearance.cat_bits, g as usize) {
                            reasons.push(format!(
                                "the clearance lacks restrictive `{} {}`",
                                tag.name, p.categories[g as usize].name
                            ));
                        }
                    }
                }
                TagKind::Permissive | TagKind::EnumeratedPermissive => {
                    if !group.iter().any(|&g| has(&clearance.cat_bits, g as usize)) {
                        let names: Vec<&str> = group
                            .iter()
                            .map(|&g| p.categories[g as usize].name.as_str())
                            .collect();
                        reasons.push(format!(
                            "the clearance holds none of permissive `{}` {{{}}}",
                            tag.name,
                            names.join(", ")
                        ));
                    }
                }
                TagKind::Informative => {}
            }
            i = j;
        }
        if reasons.is_empty() {
            reasons.push(format!(
                "the clearance holds `{class_name}` and satisfies every category of the label"
            ));
            Decision {
                access: true,
                reasons,
            }
        } else {
            Decision {
                access: false,
                reasons,
            }
        }
    }

    /// The display marking of a label in a language at a location.
    pub fn marking(&self, r: &Resolved, lang: &str, loc: Location) -> String {
        let p = &self.policies[r.policy];
        let Some(class) = p.classification(r.class) else {
            return String::new();
        };
        let policy_m = p.markings.get(lang);
        let sep = policy_m
            .map(|m| m.separator.as_str())
            .filter(|s| !s.is_empty())
            .unwrap_or(" ");
        let class_m = class.markings.get(lang);
        let cat_m = |o: u32| p.categories[o as usize].markings.get(lang);
        let suppress = r
            .cats
            .iter()
            .any(|&o| cat_m(o).is_some_and(|m| m.suppresses_class_name(loc)));
        let mut out = String::new();
        if let Some(m) = policy_m.filter(|m| m.replaces_policy(loc)) {
            out.push_str(m.policy_phrase(loc, &p.name));
        } else if let Some(m) = class_m.filter(|m| m.replaces_policy(loc)) {
            out.push_str(m.policy_phrase(loc, &class.name));
        } else if let Some((o, m)) = r
            .cats
            .iter()
            .find_map(|&o| cat_m(o).filter(|m| m.replaces_policy(loc)).map(|m| (o, m)))
        {
            out.push_str(m.policy_phrase(loc, &p.categories[o as usize].name));
        } else {
            out.push_str(&p.name);
        }
        if !suppress {
            if !out.is_empty() {
                out.push_str(sep);
            }
            let phrase = match (class_m, policy_m) {
                (Some(m), _) => m.phrase(loc, &class.name),
                (None, Some(m)) => m.phrase(loc, &class.name),
                (None, None) => &class.name,
            };
            out.push_str(phrase);
        }
        self.category_markings(p, &r.cats, lang, loc, sep, &mut out);
        if let Some(m) = policy_m {
            out.insert_str(0, &m.prefix);
            out.push_str(&m.suffix);
        }
        out
    }

    fn category_markings(
        &self,
        p: &Policy,
        cats: &[u32],
        lang: &str,
        loc: Location,
        sep: &str,
        out: &mut String,
    ) {
        let mut current_tag = usize::MAX;
        let mut tag_sep = "/";
        let mut tag_suffix = "";
        for &o in cats {
            let c = &p.categories[o as usize];
            let tag = &p.tags[c.tag];
            let tag_m = tag.markings.get(lang);
            let phrase = match c.markings.get(lang).or(tag_m) {
                Some(m) => m.phrase(loc, &c.name),
                None => &c.name,
            };
            if phrase.is_empty() {
                continue;
            }
            if c.tag != current_tag {
                current_tag = c.tag;
                out.push_str(tag_suffix);
                if !out.is_empty() {
                    out.push_str(sep);
                }
                match tag_m {
                    Some(m) => {
                        tag_suffix = &m.suffix;
                        tag_sep = if m.separator.is_empty() {
                            "/"
                        } else {
                            &m.separator
                        };
                        out.push_str(&m.prefix);
                    }
                    None => {
                        tag_suffix = "";
                        tag_sep = "/";
                    }
                }
            } else {
                out.push_str(tag_sep);
            }
            out.push_str(phrase);
        }
        out.push_str(tag_suffix);
    }

    /// The US-style banner line (the page-top marking), e.g. `SECRET//REL TO USA, KOR`.
    pub fn banner(&self, r: &Resolved, lang: &str) -> String {
        self.marking(r, lang, Location::PageTop)
    }

    /// The US-style portion marking (the document-start marking in parentheses), e.g.
    /// `(S//REL TO USA, KOR)`.
    pub fn portion(&self, r: &Resolved, lang: &str) -> String {
        format!("({})", self.marking(r, lang, Location::DocumentStart))
    }

    /// The display marking of a clearance: its classifications in hierarchy order inside
    /// braces, then its categories.
    pub fn clearance_marking(&self, c: &ResolvedClearance, lang: &str) -> String {
        let p = &self.policies[c.policy];
        let policy_m = p.markings.get(lang);
        let sep = policy_m
            .map(|m| m.separator.as_str())
            .filter(|s| !s.is_empty())
            .unwrap_or(" ");
        let mut out = String::new();
        if let Some(m) = policy_m {
            out.push_str(&m.prefix);
        }
        let classes = held_classes(p, c);
        out.push('{');
        out.push_str(
            &classes
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("|"),
        );
        out.push('}');
        self.category_markings(p, &c.cats, lang, Location::PageBottom, sep, &mut out);
        if let Some(m) = policy_m {
            out.push_str(&m.suffix);
        }
        out
    }

    fn fixup(
        &self,
        target: usize,
        label: &mut Resolved,
        reqs: &[RequiredCategory],
    ) -> Result<(), String> {
        let p = &self.policies[target];
        for r in reqs {
            let compiled = p.compile_required(r).map_err(|e| {
                format!(
                    "policy `{}`: a required category cannot be found: {}",
                    p.name, e.reason
                )
            })?;
            let wanted: Vec<u32> = match r.op {
                Operation::All => compiled
                    .groups
                    .iter()
                    .filter_map(|g| g.first().copied())
                    .collect(),
                _ if Self::requirement_met(&compiled, &label.cats) => Vec::new(),
                _ => compiled
                    .groups
                    .iter()
                    .find_map(|g| g.first().copied())
                    .into_iter()
                    .collect(),
            };
            for o in wanted {
                if let Err(at) = label.cats.binary_search(&o) {
                    label.cats.insert(at, o);
                }
            }
        }
        Ok(())
    }

    /// Translates a label into an equivalent policy (`encrypt` with the source policy's
    /// mappings, or `decrypt` with the target's). Fails, naming the value, when anything in the
    /// label has no mapping: a restriction is never dropped silently.
    pub fn translate(&self, r: &Resolved, target: usize) -> Result<Resolved, String> {
        if r.policy == target {
            return Ok(r.clone());
        }
        let src = &self.policies[r.policy];
        let dst = &self.policies[target];
        let class = src
            .classification(r.class)
            .ok_or_else(|| format!("no classification with lacv {}", r.class))?;
        let mut out = Resolved {
            policy: target,
            class: 0,
            cats: Vec::new(),
        };
        let mut extra: Vec<&[RequiredCategory]> = Vec::new();
        // Classification: encrypt with the source's data, else decrypt with the target's.
        if let Some(eq) = class
            .equivalents
            .iter()
            .find(|e| e.policy_id == dst.id && e.encrypt)
        {
            out.class = eq.lacv;
            extra.push(&eq.required);
        } else if let Some(c) = dst.classifications.iter().find(|c| {
            c.equivalents
                .iter()
                .any(|e| e.policy_id == src.id && e.lacv == r.class && e.decrypt)
        }) {
            out.class = c.lacv;
        } else {
            return Err(format!(
                "classification `{}` of `{}` has no equivalent in `{}`",
                class.name, src.name, dst.name
            ));
        }
        if dst.classification(out.class).is_none() {
            return Err(format!(
                "`{}` has no classification with lacv {}",
                dst.name, out.class
            ));
        }
        for &o in &r.cats {
            let c = &src.categories[o as usize];
            let tag = &src.tags[c.tag];
            let ts = &src.tag_sets[tag.tag_set];
            let enc: Vec<_> = c
                .equivalents
                .iter()
                .filter(|e| e.policy_id == dst.id && e.encrypt)
                .collect();
            let mut mapped = false;
            for e in &enc {
                mapped = true;
                if e.discard {
                    continue;
                }
                let ts_i = dst
                    .tag_set_by_id(&e.tag_set_id)
                    .ok_or_else(|| format!("`{}` has no tag set {}", dst.name, e.tag_set_id))?;
                let lacv = e.lacv.unwrap_or_default();
                let to = dst.category_ordinal(ts_i, e.kind, lacv).ok_or_else(|| {
                    format!(
                        "`{}` has no {} category {lacv} in tag set {}",
                        dst.name,
                        e.kind.spiffy_name(),
                        e.tag_set_id
                    )
                })?;
                out.cats.push(to);
            }
            if !mapped {
                // Decrypt: a target category that names this one as its equivalent.
                for (i, dc) in dst.categories.iter().enumerate() {
                    if dc.equivalents.iter().any(|e| {
                        e.policy_id == src.id
                            && e.decrypt
                            && e.tag_set_id == ts.id
                            && e.kind == tag.kind
                            && e.lacv == Some(c.lacv)
                    }) {
                        mapped = true;
                        out.cats.push(i as u32);
                    }
                }
            }
            if !mapped {
                return Err(format!(
                    "`{} {}` of `{}` has no equivalent in `{}`",
                    tag.name, c.name, src.name, dst.name
                ));
            }
        }
        out.cats.sort_unstable();
        out.cats.dedup();
        for reqs in extra {
            self.fixup(target, &mut out, reqs)?;
        }
        if let Some(ep) = src.equivalent_policies.iter().find(|e| e.id == dst.id) {
            self.fixup(target, &mut out, &ep.required)?;
        }
        Ok(out)
    }

    /// True when going from `old` to `new` lowers the label — a release decision: a lower
    /// classification, a restrictive value removed, or a permissive tag dropped or widened (a
    /// value added). `new` is translated into `old`'s policy first; a failed translation is an
    /// error.
    pub fn is_lowering(&self, old: &Resolved, new: &Resolved) -> Result<bool, String> {
        let new = self.translate(new, old.policy)?;
        let p = &self.policies[old.policy];
        let rank = |lacv: i64| {
            p.classification(lacv)
                .map(|c| c.hierarchy)
                .unwrap_or(i64::MIN)
        };
        if rank(new.class) < rank(old.class) {
            return Ok(true);
        }
        for &o in &old.cats {
            let kind = p.kind_of(o);
            if matches!(kind, TagKind::Restrictive | TagKind::EnumeratedRestrictive)
                && new.cats.binary_search(&o).is_err()
            {
                return Ok(true);
            }
        }
        let tag_of = |o: u32| p.categories[o as usize].tag;
        let permissive = |o: u32| {
            matches!(
                p.kind_of(o),
                TagKind::Permissive | TagKind::EnumeratedPermissive
            )
        };
        let old_tags: BTreeSet<usize> = old
            .cats
            .iter()
            .copied()
            .filter(|&o| permissive(o))
            .map(tag_of)
            .collect();
        for tag in old_tags {
            let in_new: Vec<u32> = new
                .cats
                .iter()
                .copied()
                .filter(|&o| tag_of(o) == tag)
                .collect();
            if in_new.is_empty() || in_new.iter().any(|o| old.cats.binary_search(o).is_err()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The dominant label (ADatP-4774.1 §4.4): translated into the governing policy (the first
    /// label's unless given), the highest classification, permissive tags present in every
    /// label intersected (and omitted when absent from any, or when the intersection is empty),
    /// restrictive and informative values united; an invalid result needs a policy decision.
    pub fn dominant(&self, labels: &[Resolved], governing: Option<usize>) -> Dominance {
        self.combine(labels, governing, None)
    }

    /// The most restrictive reading of several labels, for a marking a reader can act on where
    /// [`PolicySet::dominant`] needs a policy decision: as the dominant label, except that a
    /// permissive tag (Releasable To) is narrowed to what every label *carrying it* allows — a
    /// label without the tag releases to everyone, so it narrows nothing — with the groups in
    /// `groups` (a category name such as `AUKUS` → its members' names) counted as their
    /// members when the labels differ. An UNCLASSIFIED record beside a SECRET//REL TO USA, KOR
    /// one reads SECRET//REL TO USA, KOR, where the dominant rule drops the caveat and leaves an
    /// invalid SECRET; REL TO AUKUS beside REL TO USA, AUS, KOR reads REL TO USA, AUS. `None`
    /// when the labels cannot be translated into one policy or even this reading is invalid.
    pub fn most_restrictive(
        &self,
        labels: &[Resolved],
        governing: Option<usize>,
        groups: &BTreeMap<String, Vec<String>>,
    ) -> Option<Resolved> {
        match self.combine(labels, governing, Some(groups)) {
            Dominance::Ok(r) => Some(r),
            Dominance::PolicyDecisionRequired { .. } => None,
        }
    }

    /// [`PolicySet::dominant`]'s rules; with `narrow` (group members), permissive tags are
    /// intersected over the labels that carry them only ([`PolicySet::most_restrictive`]).
    fn combine(
        &self,
        labels: &[Resolved],
        governing: Option<usize>,
        narrow: Option<&BTreeMap<String, Vec<String>>>,
    ) -> Dominance {
        let Some(first) = labels.first() else {
            return Dominance::PolicyDecisionRequired {
                computed: None,
                reasons: vec!["no labels given".into()],
            };
        };
        let gov = governing.unwrap_or(first.policy);
        let mut inputs = Vec::with_capacity(labels.len());
        let mut reasons = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            match self.translate(l, gov) {
                Ok(t) => inputs.push(t),
                Err(e) => reasons.push(format!("label {}: cannot be translated: {e}", i + 1)),
            }
        }
        if !reasons.is_empty() {
            return Dominance::PolicyDecisionRequired {
                computed: None,
                reasons,
            };
        }
        let p = &self.policies[gov];
        let rank = |lacv: i64| {
            p.classification(lacv)
                .map(|c| c.hierarchy)
                .unwrap_or(i64::MIN)
        };
        let class = inputs
            .iter()
            .map(|l| l.class)
            .max_by_key(|&c| rank(c))
            .unwrap_or(first.class);
        let mut cats: BTreeSet<u32> = BTreeSet::new();
        let tags_of = |l: &Resolved| -> BTreeSet<usize> {
            l.cats
                .iter()
                .map(|&o| p.categories[o as usize].tag)
                .collect()
        };
        let all_tags: BTreeSet<usize> = inputs.iter().flat_map(tags_of).collect();
        for tag in all_tags {
            let in_tag = |l: &Resolved| -> BTreeSet<u32> {
                l.cats
                    .iter()
                    .copied()
                    .filter(|&o| p.categories[o as usize].tag == tag)
                    .collect()
            };
            match p.tags[tag].kind {
                TagKind::Permissive | TagKind::EnumeratedPermissive => {
                    let mut sets: Vec<BTreeSet<u32>> = inputs.iter().map(in_tag).collect();
                    if let Some(groups) = narrow {
                        sets.retain(|s| !s.is_empty());
                        if sets.windows(2).any(|w| w[0] != w[1]) {
                            // The labels differ: compare them as member nations.
                            let named = |name: &str| {
                                p.categories
                                    .iter()
                                    .position(|c| c.tag == tag && c.name == name)
                                    .map(|o| o as u32)
                            };
                            for s in &mut sets {
                                *s = s
                                    .iter()
                                    .flat_map(|&o| {
                                        match groups.get(&p.categories[o as usize].name) {
                                            Some(members) => {
                                                members.iter().filter_map(|m| named(m)).collect()
                                            }
                                            None => vec![o],
                                        }
                                    })
                                    .collect();
                            }
                        }
                    }
                    let mut acc: Option<BTreeSet<u32>> = None;
                    for s in sets {
                        acc = Some(match acc {
                            None => s,
                            Some(a) => a.intersection(&s).copied().collect(),
                        });
                    }
                    cats.extend(acc.unwrap_or_default());
                }
                _ => {
                    for l in &inputs {
                        cats.extend(in_tag(l));
                    }
                }
            }
        }
        let result = Resolved {
            policy: gov,
            class,
            cats: cats.into_iter().collect(),
        };
        let invalid = self.validate(&result);
        if invalid.is_empty() {
            Dominance::Ok(result)
        } else {
            Dominance::PolicyDecisionRequired {
                computed: Some(result),
                reasons: invalid
                    .into_iter()
                    .map(|e| format!("the computed label is invalid: {e}"))
                    .collect(),
            }
        }
    }
}

/// The classifications a clearance holds, in hierarchy order.
fn held_classes<'p>(p: &'p Policy, c: &ResolvedClearance) -> Vec<&'p crate::spif::Classification> {
    let mut classes: Vec<_> = c
        .classes
        .iter()
        .filter_map(|l| p.classification(*l))
        .collect();
    classes.sort_by_key(|c| c.hierarchy);
    classes
}
