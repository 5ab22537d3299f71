//! The written forms of labels and clearances: STANAG 4774 XML, the spiffy XML used by the
//! spiffing test suite, and JSON mirroring the 4774 fields. `read_*` detect the form.

use serde::{Deserialize, Serialize};

use crate::engine::{PolicySet, ResolveError, Resolved, ResolvedClearance};
use crate::spif::TagKind;
use crate::types::{Category, CategoryType, CategoryValue, Clearance, Label, LabelError, PolicyId};
use crate::xml::{self, escape, Element};

/// STANAG 4774 label namespace.
pub const LABEL_NS: &str = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0";
/// STANAG 4774 clearance namespace.
pub const CLEARANCE_NS: &str = "urn:nato:stanag:4774:confidentialityclearance:1:0";
/// Namespace of spiffing's simple forms.
pub const SPIFFY_NS: &str = "http://surevine.com/xmlns/spiffy";

/// Largest label or clearance document accepted.
pub const MAX_LABEL_BYTES: usize = 1 << 20;

/// The root element names a 4774 label may have.
pub const LABEL_ROOTS: [&str; 4] = [
    "originatorConfidentialityLabel",
    "alternativeConfidentialityLabel",
    "metadataConfidentialityLabel",
    "ConfidentialityLabel",
];

/// A written form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// STANAG 4774 XML.
    #[serde(rename = "4774")]
    Nato4774,
    /// Spiffing's simple XML.
    Spiffy,
    /// Pillar's JSON.
    Json,
    /// The X.841 / RFC 2634 `ESSSecurityLabel` in BER (read) and DER (written): binary.
    Ber,
    /// The STANAG 5636 JSON form (`{"ocl": {…}, "context": {…}}`), as OpenTDF's handling
    /// assertions carry it.
    #[serde(rename = "5636")]
    Stanag5636,
}

impl std::str::FromStr for Form {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "4774" | "xml" | "nato" => Ok(Form::Nato4774),
            "spiffy" => Ok(Form::Spiffy),
            "json" => Ok(Form::Json),
            "ber" | "der" => Ok(Form::Ber),
            "5636" | "stanag5636" => Ok(Form::Stanag5636),
            _ => Err(format!(
                "unknown form `{s}`: use 4774, spiffy, json, ber or 5636"
            )),
        }
    }
}

/// `OriginatorID` of a 4774 label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginatorId {
    /// `IDType` attribute.
    pub id_type: String,
    /// The identifier.
    pub value: String,
}

/// A whole 4774 label document: the confidentiality information and its envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelDocument {
    /// Root element name (default `originatorConfidentialityLabel`).
    #[serde(default = "default_root")]
    pub element: String,
    /// `ConfidentialityInformation`.
    #[serde(flatten)]
    pub label: Label,
    /// `OriginatorID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originator_id: Option<OriginatorId>,
    /// `CreationDateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date_time: Option<String>,
    /// `ReviewDateTime` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_date_time: Option<String>,
}

fn default_root() -> String {
    LABEL_ROOTS[0].to_string()
}

impl LabelDocument {
    /// A document around a label, without envelope.
    pub fn new(label: Label) -> Self {
        LabelDocument {
            element: default_root(),
            label,
            originator_id: None,
            creation_date_time: None,
            review_date_time: None,
        }
    }
}

fn xml_err(e: xml::XmlError) -> LabelError {
    LabelError::Xml {
        line: e.line,
        reason: e.reason,
    }
}

fn form_err(line: usize, reason: impl std::fmt::Display) -> LabelError {
    LabelError::Form(format!("line {line}: {reason}"))
}

fn parse_policy_id(e: &Element) -> PolicyId {
    PolicyId {
        name: e.text.trim().to_string(),
        uri: e.attr("URI").or_else(|| e.attr("URL")).map(str::to_string),
    }
}

fn parse_category(e: &Element) -> Result<Category, LabelError> {
    let kind = match e.attr("Type") {
        Some("RESTRICTIVE") => CategoryType::Restrictive,
        Some("PERMISSIVE") => CategoryType::Permissive,
        Some("INFORMATIVE") => CategoryType::Informative,
        other => {
            return Err(form_err(
                e.line,
                format!("Category Type {other:?} is not RESTRICTIVE, PERMISSIVE or INFORMATIVE"),
            ))
        }
    };
    let tag_name = e
        .attr("TagName")
        .ok_or_else(|| form_err(e.line, "Category without TagName"))?
        .to_string();
    let mut values = Vec::new();
    for v in &e.children {
        let text = v.text.trim();
        values.push(match v.name.as_str() {
            "GenericValue" => CategoryValue::Generic(text.to_string()),
            "IntegerValue" => CategoryValue::Integer(text.parse().map_err(|_| {
                form_err(v.line, format!("IntegerValue `{text}` is not an integer"))
            })?),
            "BitStringValue" => CategoryValue::BitString(text.to_string()),
            other => {
                return Err(form_err(
                    v.line,
                    format!("unexpected <{other}> in Category"),
                ))
            }
        });
    }
    if values.is_empty() {
        return Err(form_err(
            e.line,
            format!("Category `{tag_name}` has no value"),
        ));
    }
    Ok(Category {
        kind,
        tag_name,
        uri: e.attr("URI").map(str::to_string),
        values,
    })
}

fn parse_4774_label(root: &Element) -> Result<LabelDocument, LabelError> {
    let info = root
        .child("ConfidentialityInformation")
        .ok_or_else(|| form_err(root.line, "missing ConfidentialityInformation"))?;
    let policy = info
        .child("PolicyIdentifier")
        .ok_or_else(|| form_err(info.line, "missing PolicyIdentifier"))?;
    let class = info
        .child("Classification")
        .ok_or_else(|| form_err(info.line, "missing Classification"))?;
    let categories = info
        .children_named("Category")
        .map(parse_category)
        .collect::<Result<_, _>>()?;
    Ok(LabelDocument {
        element: root.name.clone(),
        label: Label {
            policy: parse_policy_id(policy),
            classification: class.text.trim().to_string(),
            privacy_mark: info.child("PrivacyMark").map(|e| e.text.trim().to_string()),
            categories,
        },
        originator_id: root.child("OriginatorID").map(|e| OriginatorId {
            id_type: e.attr("IDType").unwrap_or("").to_string(),
            value: e.text.trim().to_string(),
        }),
        creation_date_time: root
            .child("CreationDateTime")
            .map(|e| e.text.trim().to_string()),
        review_date_time: root.attr("ReviewDateTime").map(str::to_string),
    })
}

fn parse_4774_clearance(root: &Element) -> Result<Clearance, LabelError> {
    let policy = root
        .child("PolicyIdentifier")
        .ok_or_else(|| form_err(root.line, "missing PolicyIdentifier"))?;
    let list = root
        .child("ClassificationList")
        .ok_or_else(|| form_err(root.line, "missing ClassificationList"))?;
    let classifications: Vec<String> = list
        .children_named("Classification")
        .map(|c| c.text.trim().to_string())
        .collect();
    if classifications.is_empty() {
        return Err(form_err(
            list.line,
            "ClassificationList holds no Classification",
        ));
    }
    Ok(Clearance {
        policy: parse_policy_id(policy),
        classifications,
        categories: root
            .children_named("Category")
            .map(parse_category)
            .collect::<Result<_, _>>()?,
    })
}

/// Spiffy tags: (kind, tag set OID, lacv).
type SpiffyTags = Vec<(TagKind, String, i64, usize)>;

fn parse_spiffy(root: &Element) -> Result<(String, Vec<i64>, SpiffyTags), LabelError> {
    let policy = root
        .child("policy")
        .and_then(|p| p.attr("id"))
        .ok_or_else(|| form_err(root.line, "no <policy id=…>"))?
        .to_string();
    let mut classes = Vec::new();
    for c in root.children_named("classification") {
        let l = c
            .attr("lacv")
            .ok_or_else(|| form_err(c.line, "classification without lacv"))?;
        classes.push(
            l.trim()
                .parse()
                .map_err(|_| form_err(c.line, format!("lacv `{l}` is not an integer")))?,
        );
    }
    let mut tags = Vec::new();
    for t in root.children_named("tag") {
        let ty = t
            .attr("type")
            .ok_or_else(|| form_err(t.line, "tag without type"))?;
        let kind = TagKind::from_spiffy(ty)
            .ok_or_else(|| form_err(t.line, format!("unsupported tag type `{ty}`")))?;
        let id = t
            .attr("id")
            .ok_or_else(|| form_err(t.line, "tag without id"))?;
        let l = t
            .attr("lacv")
            .ok_or_else(|| form_err(t.line, "tag without lacv"))?;
        let lacv = l
            .trim()
            .parse()
            .map_err(|_| form_err(t.line, format!("lacv `{l}` is not an integer")))?;
        tags.push((kind, id.to_string(), lacv, t.line));
    }
    Ok((policy, classes, tags))
}

fn resolve_spiffy_tags(
    set: &PolicySet,
    pi: usize,
    tags: &SpiffyTags,
) -> Result<Vec<u32>, LabelError> {
    let p = set.policy(pi);
    let mut cats = Vec::new();
    for (kind, id, lacv, _line) in tags {
        let ts = p
            .tag_set_by_id(id)
            .ok_or_else(|| ResolveError::UnknownTagSet {
                policy: p.name.clone(),
                tag: id.clone(),
            })?;
        cats.push(p.category_ordinal(ts, *kind, *lacv).ok_or_else(|| {
            ResolveError::UnknownCategory {
                policy: p.name.clone(),
                tag: p.tag_sets[ts].name.clone(),
                kind: kind.spiffy_name().to_string(),
                value: format!("with lacv {lacv}"),
            }
        })?);
    }
    cats.sort_unstable();
    cats.dedup();
    Ok(cats)
}

/// A label or clearance read from bytes, before resolution.
#[derive(Debug, Clone)]
pub enum Document {
    /// A 4774 or JSON label.
    Label(LabelDocument, Form),
    /// A spiffy label: policy OID, classification lacv, tags.
    SpiffyLabel(String, i64, SpiffyTags),
    /// A 4774 or JSON clearance.
    Clearance(Clearance, Form),
    /// A spiffy clearance.
    SpiffyClearance(String, Vec<i64>, SpiffyTags),
    /// An `ESSSecurityLabel` read from BER.
    BerLabel(crate::ber::EssLabel),
}

/// Reads any supported form, detecting it.
pub fn parse_document(bytes: &[u8]) -> Result<Document, LabelError> {
    if bytes.len() > MAX_LABEL_BYTES {
        return Err(LabelError::Form(format!(
            "the document is {} bytes; labels and clearances are at most {} bytes",
            bytes.len(),
            MAX_LABEL_BYTES
        )));
    }
    // An ESSSecurityLabel is a SET (0x31, which no text form starts with).
    if bytes.first() == Some(&0x31) {
        return crate::ber::decode(bytes)
            .map(Document::BerLabel)
            .map_err(|e| LabelError::Form(e.to_string()));
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err(LabelError::Form("the document is empty".into())),
        Some(b'{') => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| LabelError::Form("not UTF-8 text".into()))?;
            let v: serde_json::Value =
                serde_json::from_str(text).map_err(|e| LabelError::Json(e.to_string()))?;
            if v.get("ocl").is_some() {
                return Ok(Document::Label(
                    crate::stanag5636::from_json(&v)?,
                    Form::Stanag5636,
                ));
            }
            return if v.get("classifications").is_some() {
                Ok(Document::Clearance(Clearance::from_json(text)?, Form::Json))
            } else {
                let doc: LabelDocument =
                    serde_json::from_value(v).map_err(|e| LabelError::Json(e.to_string()))?;
                Ok(Document::Label(doc, Form::Json))
            };
        }
        _ => {}
    }
    let root = xml::parse(bytes, MAX_LABEL_BYTES).map_err(xml_err)?;
    let ns = root.ns.as_deref().unwrap_or("");
    match (ns, root.name.as_str()) {
        (SPIFFY_NS, "label") => {
            let (policy, classes, tags) = parse_spiffy(&root)?;
            let class = match classes.as_slice() {
                [c] => *c,
                [] => return Err(form_err(root.line, "the label has no classification")),
                _ => return Err(form_err(root.line, "a label has exactly one classification")),
            };
            Ok(Document::SpiffyLabel(policy, class, tags))
        }
        (SPIFFY_NS, "clearance") => {
            let (policy, classes, tags) = parse_spiffy(&root)?;
            Ok(Document::SpiffyClearance(policy, classes, tags))
        }
        (LABEL_NS, name) if LABEL_ROOTS.iter().any(|r| r.eq_ignore_ascii_case(name)) => {
            Ok(Document::Label(parse_4774_label(&root)?, Form::Nato4774))
        }
        (CLEARANCE_NS, "ConfidentialityClearance") => {
            Ok(Document::Clearance(parse_4774_clearance(&root)?, Form::Nato4774))
        }
        (ns, name) => Err(form_err(
            root.line,
            format!(
                "<{name}> in namespace `{ns}` is not a label or clearance (expected a STANAG 4774 label in `{LABEL_NS}`, a clearance in `{CLEARANCE_NS}`, or spiffy <label>/<clearance> in `{SPIFFY_NS}`)"
            ),
        )),
    }
}

/// Reads a label in any form and resolves it. Returns the form found and, for 4774 and JSON,
/// the document (to keep its envelope).
pub fn read_label(
    bytes: &[u8],
    set: &PolicySet,
) -> Result<(Resolved, Form, Option<LabelDocument>), LabelError> {
    match parse_document(bytes)? {
        Document::Label(doc, form) => Ok((set.resolve(&doc.label)?, form, Some(doc))),
        Document::SpiffyLabel(policy, class, tags) => Ok((
            resolve_numbered(set, &policy, class, &tags)?,
            Form::Spiffy,
            None,
        )),
        Document::BerLabel(ess) => {
            let policy = ess.policy.ok_or_else(|| {
                LabelError::Form("the ESSSecurityLabel has no security-policy-identifier".into())
            })?;
            let class = ess.classification.ok_or_else(|| {
                LabelError::Form("the ESSSecurityLabel has no security-classification".into())
            })?;
            let tags: SpiffyTags = ess
                .categories
                .iter()
                .flat_map(|(kind, id, lacvs)| lacvs.iter().map(move |l| (*kind, id.clone(), *l, 0)))
                .collect();
            let r = resolve_numbered(set, &policy, class, &tags)?;
            let mut doc = LabelDocument::new(set.to_label(&r));
            doc.label.privacy_mark = ess.privacy_mark;
            Ok((r, Form::Ber, Some(doc)))
        }
        _ => Err(LabelError::Form("this is a clearance, not a label".into())),
    }
}

/// A label given in the SPIF's numbers (spiffy XML, BER): the policy by name or OID, the
/// classification and categories by LACV.
fn resolve_numbered(
    set: &PolicySet,
    policy: &str,
    class: i64,
    tags: &SpiffyTags,
) -> Result<Resolved, LabelError> {
    let pi = set
        .find(policy)
        .ok_or(ResolveError::UnknownPolicy(policy.to_string()))?;
    let p = set.policy(pi);
    if p.classification(class).is_none() {
        return Err(ResolveError::UnknownClassification {
            policy: p.name.clone(),
            class: format!("with lacv {class}"),
        }
        .into());
    }
    Ok(Resolved {
        policy: pi,
        class,
        cats: resolve_spiffy_tags(set, pi, tags)?,
    })
}

/// The `ESSSecurityLabel` of a resolved label: the SPIF's numbers.
fn to_ess(set: &PolicySet, r: &Resolved, privacy_mark: Option<String>) -> crate::ber::EssLabel {
    let p = set.policy(r.policy);
    let mut categories: Vec<(TagKind, String, Vec<i64>)> = Vec::new();
    for &o in &r.cats {
        let c = &p.categories[o as usize];
        let t = &p.tags[c.tag];
        let id = &p.tag_sets[t.tag_set].id;
        match categories
            .iter_mut()
            .find(|(k, i, _)| *k == t.kind && i == id)
        {
            Some((_, _, lacvs)) => lacvs.push(c.lacv),
            None => categories.push((t.kind, id.clone(), vec![c.lacv])),
        }
    }
    crate::ber::EssLabel {
        policy: Some(p.id.clone()),
        classification: Some(r.class),
        privacy_mark,
        categories,
    }
}

/// Reads a clearance in any form and resolves it.
pub fn read_clearance(
    bytes: &[u8],
    set: &PolicySet,
) -> Result<(ResolvedClearance, Form), LabelError> {
    match parse_document(bytes)? {
        Document::Clearance(c, form) => Ok((set.resolve_clearance(&c)?, form)),
        Document::SpiffyClearance(policy, classes, tags) => {
            let pi = set
                .find(&policy)
                .ok_or(ResolveError::UnknownPolicy(policy.clone()))?;
            let p = set.policy(pi);
            if let Some(bad) = classes.iter().find(|l| p.classification(**l).is_none()) {
                return Err(ResolveError::UnknownClassification {
                    policy: p.name.clone(),
                    class: format!("with lacv {bad}"),
                }
                .into());
            }
            let cats = resolve_spiffy_tags(set, pi, &tags)?;
            Ok((set.clearance_from_parts(pi, classes, cats), Form::Spiffy))
        }
        _ => Err(LabelError::Form("this is a label, not a clearance".into())),
    }
}

fn write_categories(out: &mut String, cats: &[Category], prefix: &str, indent: &str) {
    for c in cats {
        out.push_str(&format!(
            "{indent}<{prefix}Category TagName=\"{}\" Type=\"{}\"",
            escape(&c.tag_name),
            c.kind.as_4774()
        ));
        if let Some(u) = &c.uri {
            out.push_str(&format!(" URI=\"{}\"", escape(u)));
        }
        out.push_str(">\n");
        for v in &c.values {
            let (el, text) = match v {
                CategoryValue::Generic(s) => ("GenericValue", escape(s)),
                CategoryValue::Integer(i) => ("IntegerValue", i.to_string()),
                CategoryValue::BitString(b) => ("BitStringValue", escape(b)),
            };
            out.push_str(&format!("{indent}  <{prefix}{el}>{text}</{prefix}{el}>\n"));
        }
        out.push_str(&format!("{indent}</{prefix}Category>\n"));
    }
}

fn write_policy_id(out: &mut String, p: &PolicyId, prefix: &str, indent: &str) {
    out.push_str(&format!("{indent}<{prefix}PolicyIdentifier"));
    if let Some(u) = &p.uri {
        out.push_str(&format!(" URI=\"{}\"", escape(u)));
    }
    out.push_str(&format!(
        ">{}</{prefix}PolicyIdentifier>\n",
        escape(&p.name)
    ));
}

/// Writes a 4774 label. `CreationDateTime` is always written: `now` is used when the document
/// has none (an RFC 3339 UTC time such as `2026-11-28T02:38:00Z`).
pub fn write_4774_label(doc: &LabelDocument, now: &str) -> String {
    let root = if LABEL_ROOTS.contains(&doc.element.as_str()) {
        doc.element.as_str()
    } else {
        LABEL_ROOTS[0]
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<{root} xmlns=\"{LABEL_NS}\""));
    if let Some(r) = &doc.review_date_time {
        out.push_str(&format!(" ReviewDateTime=\"{}\"", escape(r)));
    }
    out.push_str(">\n  <ConfidentialityInformation>\n");
    write_policy_id(&mut out, &doc.label.policy, "", "    ");
    out.push_str(&format!(
        "    <Classification>{}</Classification>\n",
        escape(&doc.label.classification)
    ));
    if let Some(pm) = &doc.label.privacy_mark {
        out.push_str(&format!("    <PrivacyMark>{}</PrivacyMark>\n", escape(pm)));
    }
    write_categories(&mut out, &doc.label.categories, "", "    ");
    out.push_str("  </ConfidentialityInformation>\n");
    if let Some(o) = &doc.originator_id {
        out.push_str(&format!(
            "  <OriginatorID IDType=\"{}\">{}</OriginatorID>\n",
            escape(&o.id_type),
            escape(&o.value)
        ));
    }
    let created = doc.creation_date_time.as_deref().unwrap_or(now);
    out.push_str(&format!(
        "  <CreationDateTime>{}</CreationDateTime>\n",
        escape(created)
    ));
    out.push_str(&format!("</{root}>\n"));
    out
}

/// Writes a 4774 clearance.
pub fn write_4774_clearance(c: &Clearance) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<ConfidentialityClearance xmlns=\"{CLEARANCE_NS}\" xmlns:slab=\"{LABEL_NS}\">\n"
    ));
    write_policy_id(&mut out, &c.policy, "slab:", "  ");
    out.push_str("  <ClassificationList>\n");
    for cl in &c.classifications {
        out.push_str(&format!(
            "    <slab:Classification>{}</slab:Classification>\n",
            escape(cl)
        ));
    }
    out.push_str("  </ClassificationList>\n");
    write_categories(&mut out, &c.categories, "slab:", "  ");
    out.push_str("</ConfidentialityClearance>\n");
    out
}

fn write_spiffy(
    set: &PolicySet,
    root: &str,
    policy: usize,
    classes: &[i64],
    cats: &[u32],
) -> String {
    let p = set.policy(policy);
    let mut out = format!("<{root} xmlns='{SPIFFY_NS}'>\n");
    out.push_str(&format!(
        "  <policy id='{}'>{}</policy>\n",
        escape(&p.id),
        escape(&p.name)
    ));
    for l in classes {
        let name = p.classification(*l).map(|c| c.name.as_str()).unwrap_or("");
        out.push_str(&format!(
            "  <classification lacv='{l}'>{}</classification>\n",
            escape(name)
        ));
    }
    for &o in cats {
        let c = &p.categories[o as usize];
        let t = &p.tags[c.tag];
        out.push_str(&format!(
            "  <tag type='{}' id='{}' lacv='{}'>{}</tag>\n",
            t.kind.spiffy_name(),
            escape(&p.tag_sets[t.tag_set].id),
            c.lacv,
            escape(&c.name)
        ));
    }
    out.push_str(&format!("</{root}>\n"));
    out
}

/// Writes a resolved label in a form. For 4774 and JSON, `envelope` supplies the originator,
/// times and root element (its confidentiality information is replaced by `r`'s).
///
/// Returns bytes: every form is UTF-8 text but [`Form::Ber`], which is DER. Fails only for BER,
/// when the policy's identifiers are not OIDs or a LACV cannot be written.
pub fn write_label(
    set: &PolicySet,
    r: &Resolved,
    form: Form,
    envelope: Option<&LabelDocument>,
    now: &str,
) -> Result<Vec<u8>, LabelError> {
    let mut doc = envelope
        .cloned()
        .unwrap_or_else(|| LabelDocument::new(set.to_label(r)));
    let mut label = set.to_label(r);
    label.privacy_mark = doc.label.privacy_mark.take();
    doc.label = label;
    Ok(match form {
        Form::Nato4774 => write_4774_label(&doc, now).into_bytes(),
        Form::Json => {
            if doc.creation_date_time.is_none() {
                doc.creation_date_time = Some(now.to_string());
            }
            serde_json::to_string_pretty(&doc)
                .expect("labels serialise")
                .into_bytes()
        }
        Form::Spiffy => write_spiffy(set, "label", r.policy, &[r.class], &r.cats).into_bytes(),
        Form::Ber => crate::ber::encode(&to_ess(set, r, doc.label.privacy_mark.clone()))
            .map_err(|e| LabelError::Form(e.to_string()))?,
        Form::Stanag5636 => {
            if doc.creation_date_time.is_none() {
                doc.creation_date_time = Some(now.to_string());
            }
            crate::stanag5636::to_json(&doc).into_bytes()
        }
    })
}

/// Writes a resolved clearance in a form.
pub fn write_clearance(set: &PolicySet, c: &ResolvedClearance, form: Form) -> String {
    match form {
        Form::Nato4774 => write_4774_clearance(&set.to_clearance(c)),
        Form::Json => {
            serde_json::to_string_pretty(&set.to_clearance(c)).expect("clearances serialise")
        }
        Form::Spiffy => write_spiffy(set, "clearance", c.policy, &c.classes, &c.cats),
        // Clearances have no BER or 5636 form here: the 4774 XML stands in.
        Form::Ber | Form::Stanag5636 => write_4774_clearance(&set.to_clearance(c)),
    }
}
