//! XML-SPIF policies (schema versions 2.0 and 2.1, with or without the `spif:` prefix), parsed
//! into an immutable, indexed form. Every cross-reference is checked and resolved when the
//! policy is read, so the decisions made later never meet a dangling name.

use std::collections::HashMap;

use crate::types::CategoryType;
use crate::xml::{self, Element};

/// The XML-SPIF namespace.
pub const SPIF_NS: &str = "http://www.xmlspif.org/spif";

/// Largest SPIF accepted (the NATO policy is under 100 KB).
const MAX_SPIF_BYTES: usize = 16 << 20;

/// Why a SPIF was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SPIF line {line}: {reason}")]
pub struct SpifError {
    /// Line of the offending element.
    pub line: usize,
    /// Reason.
    pub reason: String,
}

fn err<T>(line: usize, reason: impl Into<String>) -> Result<T, SpifError> {
    Err(SpifError {
        line,
        reason: reason.into(),
    })
}

/// Marking codes of XML-SPIF `markingData`: where a phrase applies and what it does.
pub mod code {
    /// Top of each page.
    pub const PAGE_TOP: u16 = 1 << 0;
    /// Bottom of each page.
    pub const PAGE_BOTTOM: u16 = 1 << 1;
    /// End of the document.
    pub const DOCUMENT_END: u16 = 1 << 2;
    /// The name is not displayed.
    pub const NO_NAME_DISPLAY: u16 = 1 << 3;
    /// Nothing is displayed.
    pub const NO_MARKING_DISPLAY: u16 = 1 << 4;
    /// Start of the document.
    pub const DOCUMENT_START: u16 = 1 << 5;
    /// The classification name is not displayed.
    pub const SUPPRESS_CLASS_NAME: u16 = 1 << 6;
    /// The phrase replaces the policy name.
    pub const REPLACE_POLICY: u16 = 1 << 7;
    /// Both page positions.
    pub const PAGE_TOP_BOTTOM: u16 = PAGE_TOP | PAGE_BOTTOM;
}

/// Where a marking is displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// Top of page.
    PageTop,
    /// Bottom of page (the default).
    PageBottom,
    /// Start of document.
    DocumentStart,
    /// End of document.
    DocumentEnd,
}

impl Location {
    fn code(self) -> u16 {
        match self {
            Location::PageTop => code::PAGE_TOP,
            Location::PageBottom => code::PAGE_BOTTOM,
            Location::DocumentStart => code::DOCUMENT_START,
            Location::DocumentEnd => code::DOCUMENT_END,
        }
    }

    /// Parses `pageTop`, `pageBottom`, `documentStart`, `documentEnd`.
    pub fn parse(s: &str) -> Option<Location> {
        Some(match s {
            "pageTop" => Location::PageTop,
            "pageBottom" | "pageTopBottom" => Location::PageBottom,
            "documentStart" => Location::DocumentStart,
            "documentEnd" => Location::DocumentEnd,
            _ => return None,
        })
    }
}

/// One `markingData` phrase with its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Phrase {
    codes: u16,
    text: Option<String>,
}

/// The marking data and qualifiers of one element for one language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marking {
    lang: String,
    phrases: Vec<Phrase>,
    /// Qualifier written before the values.
    pub prefix: String,
    /// Qualifier written after the values.
    pub suffix: String,
    /// Qualifier written between values.
    pub separator: String,
}

impl Marking {
    fn first(&self, loc: u16) -> Option<&Phrase> {
        self.phrases.iter().find(|p| p.codes & loc != 0)
    }

    /// The phrase to display at `loc`, `default` when none is given; empty when hidden.
    pub fn phrase<'a>(&'a self, loc: Location, default: &'a str) -> &'a str {
        match self.first(loc.code()) {
            Some(p) if p.codes & (code::NO_NAME_DISPLAY | code::NO_MARKING_DISPLAY) != 0 => "",
            Some(p) if p.codes & code::REPLACE_POLICY != 0 => default,
            Some(Phrase { text: Some(t), .. }) => t,
            _ => default,
        }
    }

    /// The phrase replacing the policy name.
    pub fn policy_phrase<'a>(&'a self, loc: Location, default: &'a str) -> &'a str {
        match self.first(loc.code() | code::REPLACE_POLICY) {
            Some(Phrase { text: Some(t), .. }) => t,
            _ => default,
        }
    }

    fn flag(&self, loc: Location, flag: u16) -> bool {
        self.first(loc.code()).is_some_and(|p| p.codes & flag != 0)
    }

    /// True when this element's phrase replaces the policy name at `loc`.
    pub fn replaces_policy(&self, loc: Location) -> bool {
        self.flag(loc, code::REPLACE_POLICY)
    }

    /// True when the classification name is suppressed at `loc`.
    pub fn suppresses_class_name(&self, loc: Location) -> bool {
        self.flag(loc, code::SUPPRESS_CLASS_NAME)
    }
}

/// The markings of an element in every language it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markings(Vec<Marking>);

impl Markings {
    /// The marking for a language tag: exact, then its primary language (`fr-CA` → `fr`),
    /// then the marking without a language.
    pub fn get(&self, lang: &str) -> Option<&Marking> {
        let find = |l: &str| self.0.iter().find(|m| m.lang.eq_ignore_ascii_case(l));
        find(lang)
            .or_else(|| {
                lang.split(['-', '_'])
                    .next()
                    .filter(|p| p.len() < lang.len())
                    .and_then(find)
            })
            .or_else(|| find(""))
    }

    /// The languages this element has markings in.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|m| m.lang.as_str())
    }
}

/// The kind of a security category tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagKind {
    /// Restrictive bit map.
    Restrictive,
    /// Permissive bit map.
    Permissive,
    /// Enumerated, restrictive.
    EnumeratedRestrictive,
    /// Enumerated, permissive.
    EnumeratedPermissive,
    /// Informative (tagType7).
    Informative,
}

impl TagKind {
    /// The 4774 `Type` of categories of this kind.
    pub fn category_type(self) -> CategoryType {
        match self {
            TagKind::Restrictive | TagKind::EnumeratedRestrictive => CategoryType::Restrictive,
            TagKind::Permissive | TagKind::EnumeratedPermissive => CategoryType::Permissive,
            TagKind::Informative => CategoryType::Informative,
        }
    }

    /// The name used in the spiffy XML form.
    pub fn spiffy_name(self) -> &'static str {
        match self {
            TagKind::Restrictive => "restrictive",
            TagKind::Permissive => "permissive",
            TagKind::EnumeratedRestrictive => "enumeratedRestrictive",
            TagKind::EnumeratedPermissive => "enumeratedPermissive",
            TagKind::Informative => "informative",
        }
    }

    /// Parses the spiffy name.
    pub fn from_spiffy(s: &str) -> Option<TagKind> {
        Some(match s {
            "restrictive" => TagKind::Restrictive,
            "permissive" => TagKind::Permissive,
            "enumeratedRestrictive" => TagKind::EnumeratedRestrictive,
            "enumeratedPermissive" => TagKind::EnumeratedPermissive,
            "informative" => TagKind::Informative,
            _ => return None,
        })
    }

    fn from_element(e: &Element) -> Result<TagKind, SpifError> {
        match e.attr("tagType") {
            Some("restrictive") => Ok(TagKind::Restrictive),
            Some("permissive") => Ok(TagKind::Permissive),
            Some("tagType7") | Some("informative") => Ok(TagKind::Informative),
            Some("enumerated") => match e.attr("enumType") {
                Some("permissive") => Ok(TagKind::EnumeratedPermissive),
                Some("restrictive") => Ok(TagKind::EnumeratedRestrictive),
                other => err(
                    e.line,
                    format!("<{}> has tagType enumerated but enumType {other:?}", e.name),
                ),
            },
            other => err(
                e.line,
                format!("<{}> has unknown tagType {other:?}", e.name),
            ),
        }
    }
}

/// How the groups of a `requiredCategory` combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Exactly one group present.
    OnlyOne,
    /// At least one group present.
    OneOrMore,
    /// Every group present.
    All,
}

/// A category reference as written (`tagSetRef` name, kind, optional lacv).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryData {
    /// Tag set name.
    pub tag_set: String,
    /// Tag kind.
    pub kind: TagKind,
    /// The category's lacv; `None` means every category of that tag set and kind.
    pub lacv: Option<i64>,
    line: usize,
}

/// A `requiredCategory`, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredCategory {
    /// Operation.
    pub op: Operation,
    /// Groups.
    pub groups: Vec<CategoryData>,
}

/// A `requiredCategory` compiled to category ordinals of this policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requirement {
    pub op: Operation,
    /// Each group: the ordinals that satisfy it.
    pub groups: Vec<Vec<u32>>,
    /// Text for error messages.
    pub text: String,
}

/// An `equivalentClassification`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquivalentClass {
    /// The equivalent policy's OID.
    pub policy_id: String,
    /// The classification's lacv there.
    pub lacv: i64,
    /// Applies when translating towards that policy.
    pub encrypt: bool,
    /// Applies when translating from that policy.
    pub decrypt: bool,
    /// Categories to add in that policy.
    pub required: Vec<RequiredCategory>,
}

/// An `equivalentSecCategoryTag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquivalentCategory {
    /// The equivalent policy's OID.
    pub policy_id: String,
    /// Tag set OID there.
    pub tag_set_id: String,
    /// Tag kind there.
    pub kind: TagKind,
    /// lacv there; `None` with `discard`.
    pub lacv: Option<i64>,
    /// The value is dropped on purpose (`action="discard"`).
    pub discard: bool,
    /// Applies when translating towards that policy.
    pub encrypt: bool,
    /// Applies when translating from that policy.
    pub decrypt: bool,
}

/// A security classification.
#[derive(Debug, Clone)]
pub struct Classification {
    /// Name, e.g. `SECRET`.
    pub name: String,
    /// lacv.
    pub lacv: i64,
    /// Rank: larger is more sensitive.
    pub hierarchy: i64,
    /// Colour for display, as written.
    pub color: Option<String>,
    /// No longer to be used on new labels.
    pub obsolete: bool,
    /// Marking data.
    pub markings: Markings,
    pub(crate) required: Vec<Requirement>,
    /// Equivalent classifications in other policies.
    pub equivalents: Vec<EquivalentClass>,
}

/// A tag set.
#[derive(Debug, Clone)]
pub struct TagSet {
    /// Name.
    pub name: String,
    /// OID.
    pub id: String,
    /// Marking data of the tag set.
    pub markings: Markings,
}

/// A security category tag (a group of categories of one kind inside a tag set).
#[derive(Debug, Clone)]
pub struct Tag {
    /// Name.
    pub name: String,
    /// Index of the tag set.
    pub tag_set: usize,
    /// Kind.
    pub kind: TagKind,
    /// At most one value may be chosen.
    pub single_selection: bool,
    /// Marking data and qualifiers.
    pub markings: Markings,
}

/// One category (value) of a tag. Its index in [`Policy::categories`] is its ordinal: SPIF
/// document order, which is also display order.
#[derive(Debug, Clone)]
pub struct Category {
    /// Name.
    pub name: String,
    /// lacv.
    pub lacv: i64,
    /// Index of its tag.
    pub tag: usize,
    /// No longer to be used.
    pub obsolete: bool,
    /// Marking data.
    pub markings: Markings,
    /// lacvs of classifications this category may not be used with.
    pub excluded_classes: Vec<i64>,
    pub(crate) required: Vec<Requirement>,
    /// Ordinals that may not appear with this category.
    pub(crate) excluded: Vec<(Vec<u32>, String)>,
    /// Equivalents in other policies.
    pub equivalents: Vec<EquivalentCategory>,
}

/// An `equivalentPolicy`.
#[derive(Debug, Clone)]
pub struct EquivalentPolicy {
    /// Name used in `policyRef`.
    pub name: String,
    /// OID.
    pub id: String,
    /// Categories to add when translating towards it.
    pub required: Vec<RequiredCategory>,
}

/// A parsed, checked and indexed security policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Policy name (`securityPolicyId/@name`).
    pub name: String,
    /// Policy OID (`securityPolicyId/@id`).
    pub id: String,
    /// Classifications in document order.
    pub classifications: Vec<Classification>,
    /// Tag sets in document order.
    pub tag_sets: Vec<TagSet>,
    /// Tags in document order.
    pub tags: Vec<Tag>,
    /// Categories in document order (index = ordinal).
    pub categories: Vec<Category>,
    /// Policy-level marking data and qualifiers.
    pub markings: Markings,
    /// Equivalent policies.
    pub equivalent_policies: Vec<EquivalentPolicy>,
    class_by_lacv: HashMap<i64, usize>,
    class_by_name: HashMap<String, usize>,
    /// Classification lacvs in document order (compact, for the hot path).
    pub(crate) class_lacvs: Vec<i64>,
    /// Per category ordinal: its tag index and kind, packed compactly for the hot path.
    pub(crate) cat_meta: Vec<(u32, TagKind)>,
    tag_set_by_id: HashMap<String, usize>,
    tag_set_by_name: HashMap<String, usize>,
    cat_by_key: HashMap<(usize, TagKind, i64), u32>,
}

fn parse_lacv(text: &str, line: usize, what: &str) -> Result<i64, SpifError> {
    text.trim()
        .parse::<i64>()
        .or_else(|_| err(line, format!("{what}: lacv `{text}` is not an integer")))
}

fn required_attr<'a>(e: &'a Element, name: &str) -> Result<&'a str, SpifError> {
    e.attr(name).ok_or_else(|| SpifError {
        line: e.line,
        reason: format!("<{}> has no `{name}` attribute", e.name),
    })
}

fn parse_markings(holder: &Element) -> Result<Markings, SpifError> {
    let mut langs: Vec<String> = Vec::new();
    let lang_of = |e: &Element| e.attr("xml:lang").unwrap_or("").to_string();
    for q in holder.children_named("markingQualifier") {
        for qq in q.children_named("qualifier") {
            let l = lang_of(qq);
            if !langs.contains(&l) {
                langs.push(l);
            }
        }
    }
    for d in holder.children_named("markingData") {
        let l = lang_of(d);
        if !langs.contains(&l) {
            langs.push(l);
        }
    }
    let mut out = Vec::new();
    for lang in langs {
        let mut m = Marking {
            lang: lang.clone(),
            ..Marking::default()
        };
        // Qualifiers in this language first, then those without a language fill the gaps.
        for pass_lang in [lang.as_str(), ""] {
            for q in holder.children_named("markingQualifier") {
                for qq in q.children_named("qualifier") {
                    if lang_of(qq) != pass_lang {
                        continue;
                    }
                    let text = qq.attr("markingQualifier").unwrap_or("").to_string();
                    let slot = match qq.attr("qualifierCode") {
                        Some("prefix") => &mut m.prefix,
                        Some("suffix") => &mut m.suffix,
                        Some("separator") => &mut m.separator,
                        other => return err(qq.line, format!("unknown qualifierCode {other:?}")),
                    };
                    if slot.is_empty() {
                        *slot = text;
                    }
                }
            }
            if lang.is_empty() {
                break;
            }
        }
        for d in holder.children_named("markingData") {
            if lang_of(d) != lang {
                continue;
            }
            let mut codes = 0u16;
            let mut located = false;
            for c in d.children_named("code") {
                let (bits, loc) = match c.text.trim() {
                    "pageTop" => (code::PAGE_TOP, true),
                    "pageBottom" => (code::PAGE_BOTTOM, true),
                    "pageTopBottom" => (code::PAGE_TOP_BOTTOM, true),
                    "documentStart" => (code::DOCUMENT_START, true),
                    "documentEnd" => (code::DOCUMENT_END, true),
                    "noNameDisplay" => (code::NO_NAME_DISPLAY, false),
                    "noMarkingDisplay" => (code::NO_MARKING_DISPLAY, true),
                    "suppressClassName" => (code::SUPPRESS_CLASS_NAME, false),
                    "replacePolicy" => (code::REPLACE_POLICY, false),
                    other => return err(c.line, format!("unknown marking code `{other}`")),
                };
                codes |= bits;
                located |= loc;
            }
            if !located {
                codes |= code::PAGE_BOTTOM;
            }
            m.phrases.push(Phrase {
                codes,
                text: d.attr("phrase").map(str::to_string),
            });
        }
        out.push(m);
    }
    Ok(Markings(out))
}

fn parse_category_data(e: &Element) -> Result<CategoryData, SpifError> {
    let tag_set = required_attr(e, "tagSetRef")?.to_string();
    let kind = TagKind::from_element(e)?;
    let all = e.attr("all") == Some("true");
    let lacv = match e.attr("lacv") {
        Some(l) if !all => Some(parse_lacv(l, e.line, "category reference")?),
        _ => None,
    };
    Ok(CategoryData {
        tag_set,
        kind,
        lacv,
        line: e.line,
    })
}

fn parse_required(e: &Element) -> Result<RequiredCategory, SpifError> {
    let op = match e.attr("operation") {
        Some("onlyOne") => Operation::OnlyOne,
        Some("oneOrMore") => Operation::OneOrMore,
        Some("all") => Operation::All,
        other => {
            return err(
                e.line,
                format!("requiredCategory has unknown operation {other:?}"),
            )
        }
    };
    let groups = e
        .children_named("categoryGroup")
        .map(parse_category_data)
        .collect::<Result<Vec<_>, _>>()?;
    if groups.is_empty() {
        return err(e.line, "requiredCategory without any categoryGroup");
    }
    Ok(RequiredCategory { op, groups })
}

fn applied(e: &Element) -> Result<(bool, bool), SpifError> {
    match e.attr("applied") {
        Some("encrypt") => Ok((true, false)),
        Some("decrypt") => Ok((false, true)),
        Some("both") | None => Ok((true, true)),
        Some(other) => err(e.line, format!("unknown applied value `{other}`")),
    }
}

impl Policy {
    /// Parses and checks a SPIF.
    pub fn parse(bytes: &[u8]) -> Result<Policy, SpifError> {
        let root = xml::parse(bytes, MAX_SPIF_BYTES).map_err(|e| SpifError {
            line: e.line,
            reason: format!("not well-formed XML: {}", e.reason),
        })?;
        if root.name != "SPIF" {
            return err(
                root.line,
                format!("the root element is <{}>, not <SPIF>", root.name),
            );
        }
        if let Some(ns) = &root.ns {
            if ns != SPIF_NS {
                return err(
                    root.line,
                    format!("the SPIF is in namespace `{ns}`, not `{SPIF_NS}`"),
                );
            }
        }
        if let Some(v) = root.attr("schemaVersion") {
            if !matches!(v, "1.0" | "2.0" | "2.1") {
                return err(
                    root.line,
                    format!("unsupported schemaVersion `{v}` (2.0 and 2.1 are read)"),
                );
            }
        }
        let pid = root.child("securityPolicyId").ok_or_else(|| SpifError {
            line: root.line,
            reason: "missing <securityPolicyId>".into(),
        })?;
        let name = required_attr(pid, "name")?.to_string();
        let id = required_attr(pid, "id")?.to_string();

        // Equivalent policies (may be written anywhere among the children).
        let mut equivalent_policies: Vec<EquivalentPolicy> = Vec::new();
        for ep in root
            .children_named("equivalentPolicies")
            .flat_map(|e| e.children_named("equivalentPolicy"))
        {
            let p = EquivalentPolicy {
                name: required_attr(ep, "name")?.to_string(),
                id: required_attr(ep, "id")?.to_string(),
                required: ep
                    .children_named("requiredCategory")
                    .map(parse_required)
                    .collect::<Result<_, _>>()?,
            };
            if equivalent_policies.iter().any(|o| o.name == p.name) {
                return err(
                    ep.line,
                    format!("duplicate equivalentPolicy name `{}`", p.name),
                );
            }
            equivalent_policies.push(p);
        }
        let policy_ref = |e: &Element| -> Result<String, SpifError> {
            let r = required_attr(e, "policyRef")?;
            equivalent_policies
                .iter()
                .find(|p| p.name == r)
                .map(|p| p.id.clone())
                .ok_or_else(|| SpifError {
                    line: e.line,
                    reason: format!("policyRef `{r}` names no equivalentPolicy"),
                })
        };

        // Classifications.
        let classes_el = root
            .child("securityClassifications")
            .ok_or_else(|| SpifError {
                line: root.line,
                reason: "missing <securityClassifications>".into(),
            })?;
        let mut classifications = Vec::new();
        let mut class_by_lacv = HashMap::new();
        let mut class_by_name = HashMap::new();
        let mut raw_class_required = Vec::new();
        for c in classes_el.children_named("securityClassification") {
            let cname = required_attr(c, "name")?.to_string();
            let lacv = parse_lacv(required_attr(c, "lacv")?, c.line, &cname)?;
            let hierarchy = parse_lacv(required_attr(c, "hierarchy")?, c.line, &cname)?;
            if class_by_lacv.insert(lacv, classifications.len()).is_some() {
                return err(
                    c.line,
                    format!("duplicate classification lacv {lacv} (`{cname}`)"),
                );
            }
            if class_by_name
                .insert(cname.clone(), classifications.len())
                .is_some()
            {
                return err(c.line, format!("duplicate classification name `{cname}`"));
            }
            let mut equivalents = Vec::new();
            for eq in c.children_named("equivalentClassification") {
                let (encrypt, decrypt) = applied(eq)?;
                equivalents.push(EquivalentClass {
                    policy_id: policy_ref(eq)?,
                    lacv: parse_lacv(
                        required_attr(eq, "lacv")?,
                        eq.line,
                        "equivalentClassification",
                    )?,
                    encrypt,
                    decrypt,
                    required: eq
                        .children_named("requiredCategory")
                        .map(parse_required)
                        .collect::<Result<_, _>>()?,
                });
            }
            raw_class_required.push(
                c.children_named("requiredCategory")
                    .map(parse_required)
                    .collect::<Result<Vec<_>, _>>()?,
            );
            classifications.push(Classification {
                name: cname,
                lacv,
                hierarchy,
                color: c.attr("color").map(str::to_string),
                obsolete: c.attr("obsolete") == Some("true"),
                markings: parse_markings(c)?,
                required: Vec::new(),
                equivalents,
            });
        }
        if classifications.is_empty() {
            return err(classes_el.line, "no securityClassification");
        }

        // Tag sets, tags, categories.
        let mut tag_sets = Vec::new();
        let mut tags = Vec::new();
        let mut categories: Vec<Category> = Vec::new();
        let mut tag_set_by_id = HashMap::new();
        let mut tag_set_by_name = HashMap::new();
        let mut cat_by_key = HashMap::new();
        let mut raw_cat: Vec<(Vec<RequiredCategory>, Vec<CategoryData>)> = Vec::new();
        for ts in root
            .children_named("securityCategoryTagSets")
            .flat_map(|e| e.children_named("securityCategoryTagSet"))
        {
            let ts_index = tag_sets.len();
            let ts_name = required_attr(ts, "name")?.to_string();
            let ts_id = required_attr(ts, "id")?.to_string();
            if tag_set_by_id.insert(ts_id.clone(), ts_index).is_some() {
                return err(ts.line, format!("duplicate tag set id `{ts_id}`"));
            }
            if tag_set_by_name.insert(ts_name.clone(), ts_index).is_some() {
                return err(ts.line, format!("duplicate tag set name `{ts_name}`"));
            }
            tag_sets.push(TagSet {
                name: ts_name.clone(),
                id: ts_id,
                markings: parse_markings(ts)?,
            });
            for t in ts.children_named("securityCategoryTag") {
                let tag_index = tags.len();
                let kind = TagKind::from_element(t)?;
                let tname = required_attr(t, "name")?.to_string();
                tags.push(Tag {
                    name: tname.clone(),
                    tag_set: ts_index,
                    kind,
                    single_selection: t.attr("singleSelection") == Some("true"),
                    markings: parse_markings(t)?,
                });
                for c in t.children_named("tagCategory") {
                    let cname = required_attr(c, "name")?.to_string();
                    let lacv = parse_lacv(required_attr(c, "lacv")?, c.line, &cname)?;
                    let ordinal = categories.len() as u32;
                    if cat_by_key.insert((ts_index, kind, lacv), ordinal).is_some() {
                        return err(
                            c.line,
                            format!("duplicate lacv {lacv} among the {} categories of tag set `{ts_name}`", kind.spiffy_name()),
                        );
                    }
                    if categories
                        .iter()
                        .any(|o| o.tag == tag_index && o.name == cname)
                    {
                        return err(
                            c.line,
                            format!("duplicate category name `{cname}` in tag `{tname}`"),
                        );
                    }
                    let mut excluded_classes = Vec::new();
                    for ex in c.children_named("excludedClass") {
                        let cls = ex.text.trim();
                        let Some(&ci) = class_by_name.get(cls) else {
                            return err(
                                ex.line,
                                format!("excludedClass `{cls}` names no classification"),
                            );
                        };
                        let l = classifications[ci].lacv;
                        if excluded_classes.contains(&l) {
                            return err(
                                ex.line,
                                format!("Duplicate excluded classification in category `{cname}`: `{cls}` is listed twice"),
                            );
                        }
                        excluded_classes.push(l);
                    }
                    let mut equivalents = Vec::new();
                    for eq in c.children_named("equivalentSecCategoryTag") {
                        let (encrypt, decrypt) = applied(eq)?;
                        let discard = eq.attr("action") == Some("discard");
                        let lacv = match eq.attr("lacv") {
                            Some(l) if !l.trim().is_empty() => {
                                Some(parse_lacv(l, eq.line, "equivalentSecCategoryTag")?)
                            }
                            _ if discard => None,
                            _ => return err(eq.line, "equivalentSecCategoryTag without lacv"),
                        };
                        equivalents.push(EquivalentCategory {
                            policy_id: policy_ref(eq)?,
                            tag_set_id: required_attr(eq, "tagSetId")?.to_string(),
                            kind: TagKind::from_element(eq)?,
                            lacv,
                            discard,
                            encrypt,
                            decrypt,
                        });
                    }
                    raw_cat.push((
                        c.children_named("requiredCategory")
                            .map(parse_required)
                            .collect::<Result<_, _>>()?,
                        c.children_named("excludedCategory")
                            .map(parse_category_data)
                            .collect::<Result<_, _>>()?,
                    ));
                    categories.push(Category {
                        name: cname,
                        lacv,
                        tag: tag_index,
                        obsolete: c.attr("obsolete") == Some("true"),
                        markings: parse_markings(c)?,
                        excluded_classes,
                        required: Vec::new(),
                        excluded: Vec::new(),
                        equivalents,
                    });
                }
            }
        }

        let class_lacvs = classifications.iter().map(|c| c.lacv).collect();
        let cat_meta = categories
            .iter()
            .map(|c| (c.tag as u32, tags[c.tag].kind))
            .collect();
        let mut policy = Policy {
            class_lacvs,
            cat_meta,
            name,
            id,
            classifications,
            tag_sets,
            tags,
            categories,
            markings: parse_markings(&root)?,
            equivalent_policies,
            class_by_lacv,
            class_by_name,
            tag_set_by_id,
            tag_set_by_name,
            cat_by_key,
        };
        // Compile references now that every tag set is known.
        for (i, raw) in raw_class_required.iter().enumerate() {
            let compiled = raw
                .iter()
                .map(|r| policy.compile_required(r))
                .collect::<Result<Vec<_>, _>>()?;
            policy.classifications[i].required = compiled;
        }
        for (i, (req, exc)) in raw_cat.iter().enumerate() {
            let required = req
                .iter()
                .map(|r| policy.compile_required(r))
                .collect::<Result<Vec<_>, _>>()?;
            let excluded = exc
                .iter()
                .map(|d| Ok((policy.compile_data(d)?, policy.describe_data(d))))
                .collect::<Result<Vec<_>, SpifError>>()?;
            policy.categories[i].required = required;
            policy.categories[i].excluded = excluded;
        }
        for ep in &policy.equivalent_policies {
            if ep.id == policy.id {
                return err(
                    1,
                    format!("equivalentPolicy `{}` is this policy itself", ep.name),
                );
            }
        }
        Ok(policy)
    }

    /// The ordinals a category reference stands for.
    pub(crate) fn compile_data(&self, d: &CategoryData) -> Result<Vec<u32>, SpifError> {
        let Some(&ts) = self.tag_set_by_name.get(&d.tag_set) else {
            return err(
                d.line,
                format!(
                    "tagSetRef `{}` names no tag set of policy `{}`",
                    d.tag_set, self.name
                ),
            );
        };
        match d.lacv {
            Some(l) => match self.cat_by_key.get(&(ts, d.kind, l)) {
                Some(&o) => Ok(vec![o]),
                None => err(
                    d.line,
                    format!(
                        "no {} category with lacv {l} in tag set `{}`",
                        d.kind.spiffy_name(),
                        d.tag_set
                    ),
                ),
            },
            None => Ok(self
                .categories
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    let t = &self.tags[c.tag];
                    t.tag_set == ts && t.kind == d.kind
                })
                .map(|(i, _)| i as u32)
                .collect()),
        }
    }

    fn describe_data(&self, d: &CategoryData) -> String {
        match self.compile_data(d) {
            Ok(v) if v.len() == 1 && d.lacv.is_some() => {
                let c = &self.categories[v[0] as usize];
                format!("{} {}", self.tags[c.tag].name, c.name)
            }
            _ => format!("any {} value of {}", d.kind.spiffy_name(), d.tag_set),
        }
    }

    pub(crate) fn compile_required(&self, r: &RequiredCategory) -> Result<Requirement, SpifError> {
        let groups = r
            .groups
            .iter()
            .map(|g| self.compile_data(g))
            .collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = r.groups.iter().map(|g| self.describe_data(g)).collect();
        let op = match r.op {
            Operation::OnlyOne => "exactly one of",
            Operation::OneOrMore => "at least one of",
            Operation::All => "all of",
        };
        Ok(Requirement {
            op: r.op,
            groups,
            text: format!("{op}: {}", names.join("; ")),
        })
    }

    /// A classification by lacv.
    pub fn classification(&self, lacv: i64) -> Option<&Classification> {
        self.class_by_lacv
            .get(&lacv)
            .map(|&i| &self.classifications[i])
    }

    /// A classification by name.
    pub fn classification_by_name(&self, name: &str) -> Option<&Classification> {
        self.class_by_name
            .get(name)
            .map(|&i| &self.classifications[i])
            .or_else(|| {
                self.classifications
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
            })
    }

    /// A tag set's index by OID.
    pub fn tag_set_by_id(&self, id: &str) -> Option<usize> {
        self.tag_set_by_id.get(id).copied()
    }

    /// A tag set's index by name.
    pub fn tag_set_by_name(&self, name: &str) -> Option<usize> {
        self.tag_set_by_name.get(name).copied()
    }

    /// A category's ordinal by tag set, kind and lacv.
    pub fn category_ordinal(&self, tag_set: usize, kind: TagKind, lacv: i64) -> Option<u32> {
        self.cat_by_key.get(&(tag_set, kind, lacv)).copied()
    }

    /// The kind of a category.
    pub fn kind_of(&self, ordinal: u32) -> TagKind {
        self.tags[self.categories[ordinal as usize].tag].kind
    }

    /// The equivalent policy entry naming `name_or_id` (its name or OID).
    pub fn equivalent(&self, name_or_id: &str) -> Option<&EquivalentPolicy> {
        let id = name_or_id.trim_start_matches("urn:oid:");
        self.equivalent_policies
            .iter()
            .find(|p| p.name == name_or_id || p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"<SPIF xmlns="http://www.xmlspif.org/spif" schemaVersion="2.1">
      <securityPolicyId name="MINI" id="1.2.3"/>
      <securityClassifications>
        <securityClassification name="LOW" lacv="1" hierarchy="1"/>
        <securityClassification name="HIGH" lacv="2" hierarchy="2"/>
      </securityClassifications>
      <securityCategoryTagSets>
        <securityCategoryTagSet name="Rel" id="1.2.3.1">
          <securityCategoryTag name="Rel" tagType="permissive">
            <tagCategory name="A" lacv="1"/>
            <tagCategory name="B" lacv="2"><excludedClass>LOW</excludedClass></tagCategory>
          </securityCategoryTag>
        </securityCategoryTagSet>
      </securityCategoryTagSets>
    </SPIF>"#;

    #[test]
    fn parses_a_small_policy() {
        let p = Policy::parse(MINI.as_bytes()).unwrap();
        assert_eq!(p.name, "MINI");
        assert_eq!(p.classifications.len(), 2);
        assert_eq!(p.categories[1].excluded_classes, vec![1]);
        assert_eq!(p.category_ordinal(0, TagKind::Permissive, 2), Some(1));
    }

    #[test]
    fn rejects_duplicates_and_dangling_references() {
        let dup = MINI.replace(r#"name="HIGH" lacv="2""#, r#"name="HIGH" lacv="1""#);
        assert!(Policy::parse(dup.as_bytes())
            .unwrap_err()
            .reason
            .contains("duplicate classification lacv"));
        let dup = MINI.replace(r#"name="HIGH""#, r#"name="LOW""#);
        assert!(Policy::parse(dup.as_bytes())
            .unwrap_err()
            .reason
            .contains("duplicate classification name"));
        let dangling = MINI.replace(
            "<excludedClass>LOW</excludedClass>",
            r#"<requiredCategory operation="all"><categoryGroup tagSetRef="Nope" tagType="permissive" lacv="1"/></requiredCategory>"#,
        );
        assert!(Policy::parse(dangling.as_bytes())
            .unwrap_err()
            .reason
            .contains("Nope"));
        let twice = MINI.replace(
            "<excludedClass>LOW</excludedClass>",
            "<excludedClass>LOW</excludedClass><excludedClass>LOW</excludedClass>",
        );
        assert!(Policy::parse(twice.as_bytes())
            .unwrap_err()
            .reason
            .contains("Duplicate excluded classification"));
        let ns = MINI.replace("http://www.xmlspif.org/spif", "urn:wrong");
        assert!(Policy::parse(ns.as_bytes())
            .unwrap_err()
            .reason
            .contains("namespace"));
        assert!(Policy::parse(&MINI.as_bytes()[..200]).is_err());
    }

    #[test]
    fn language_fallback() {
        let m = Markings(vec![
            Marking {
                lang: "".into(),
                ..Default::default()
            },
            Marking {
                lang: "fr".into(),
                prefix: "x".into(),
                ..Default::default()
            },
        ]);
        assert_eq!(m.get("fr-CA").unwrap().prefix, "x");
        assert_eq!(m.get("fr").unwrap().prefix, "x");
        assert_eq!(m.get("en-GB").unwrap().prefix, "");
        assert_eq!(m.get("").unwrap().prefix, "");
    }
}
