//! A small element tree over quick-xml, with namespaces resolved and line numbers kept for
//! error messages. Only what the SPIF, label and clearance readers need.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Where and why XML could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct XmlError {
    /// 1-based line.
    pub line: usize,
    /// Reason.
    pub reason: String,
}

/// One element.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Namespace URI, if bound.
    pub ns: Option<String>,
    /// Local name.
    pub name: String,
    /// Attributes: (qualified name as written, local name, value).
    pub attrs: Vec<(String, String, String)>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// Concatenated text content (trimmed).
    pub text: String,
    /// Line of the start tag.
    pub line: usize,
}

impl Element {
    /// An attribute by its name as written (`lacv`, `xml:lang`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(q, _, _)| q == name)
            .map(|(_, _, v)| v.as_str())
    }

    /// Children with a given local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child with a given local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Deepest nesting accepted; real SPIFs use fewer than ten levels.
const MAX_DEPTH: usize = 64;

/// Parses a document and returns its root element. Mismatched end-tag names are tolerated
/// (some published SPIFs have them); everything else malformed is an error with its line.
pub fn parse(bytes: &[u8], max_len: usize) -> Result<Element, XmlError> {
    if bytes.len() > max_len {
        return Err(XmlError {
            line: 1,
            reason: format!(
                "the document is {} bytes, more than the {} bytes accepted",
                bytes.len(),
                max_len
            ),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| XmlError {
        line: bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1,
        reason: "not UTF-8 text".into(),
    })?;
    // A byte-order mark is not part of the document (and would shift positions).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    {
        let c = reader.config_mut();
        c.trim_text(true);
        c.check_end_names = false;
        c.expand_empty_elements = true;
    }
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut line = 1usize;
    let mut seen = 0usize;
    let mut line_at = |pos: usize| {
        let pos = pos.min(text.len());
        if pos > seen {
            line += text.as_bytes()[seen..pos]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            seen = pos;
        }
        line
    };
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_resolved_event();
        // Whitespace before a tag is skipped: the event starts at the next `<`.
        let tag_at = text.as_bytes()[start.min(text.len())..]
            .iter()
            .position(|b| *b == b'<')
            .map_or(start, |i| start + i);
        let here = line_at(tag_at);
        let (ns, event) = event.map_err(|e| XmlError {
            line: here,
            reason: e.to_string(),
        })?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError {
                        line: here,
                        reason: format!("elements nested deeper than {MAX_DEPTH} levels"),
                    });
                }
                if root.is_some() && stack.is_empty() {
                    return Err(XmlError {
                        line: here,
                        reason: "more than one root element".into(),
                    });
                }
                let ns = match ns {
                    ResolveResult::Bound(n) => {
                        Some(String::from_utf8_lossy(n.as_ref()).into_owned())
                    }
                    ResolveResult::Unbound => None,
                    ResolveResult::Unknown(p) => {
                        return Err(XmlError {
                            line: here,
                            reason: format!(
                                "undeclared namespace prefix `{}`",
                                String::from_utf8_lossy(&p)
                            ),
                        })
                    }
                };
                let mut el = Element {
                    ns,
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    line: here,
                    ..Element::default()
                };
                // quick-xml's own duplicate check compares each attribute with every earlier
                // one (quadratic: 17 s for 80 000 attributes); a set does it in linear time.
                let mut names = std::collections::HashSet::new();
                for a in e.attributes().with_checks(false) {
                    let a = a.map_err(|err| XmlError {
                        line: here,
                        reason: format!("bad attribute: {err}"),
                    })?;
                    let q = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    if !names.insert(q.clone()) {
                        return Err(XmlError {
                            line: here,
                            reason: format!("attribute `{q}` is repeated"),
                        });
                    }
                    let local = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let v = a.unescape_value().map_err(|err| XmlError {
                        line: here,
                        reason: format!("bad value of attribute `{q}`: {err}"),
                    })?;
                    el.attrs.push((q, local, v.into_owned()));
                }
                stack.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| XmlError {
                    line: here,
                    reason: "end tag without a start tag".into(),
                })?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|err| XmlError {
                    line: here,
                    reason: format!("bad text: {err}"),
                })?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => {
                        return Err(XmlError {
                            line: here,
                            reason: "text outside the root element".into(),
                        })
                    }
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError {
            line: line_at(text.len()),
            reason: format!("the document ends inside <{}> (truncated?)", open.name),
        });
    }
    root.ok_or(XmlError {
        line: 1,
        reason: "no root element (empty document?)".into(),
    })
}

/// Escapes text for an attribute value or element content.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_namespaces_and_lines() {
        let doc = b"<a xmlns='urn:x'>\n  <b k='1'>hi</b>\n  <p:c xmlns:p='urn:y'/>\n</a>";
        let root = parse(doc, 1 << 20).unwrap();
        assert_eq!(root.ns.as_deref(), Some("urn:x"));
        assert_eq!(root.children[0].attr("k"), Some("1"));
        assert_eq!(root.children[0].text, "hi");
        assert_eq!(root.children[0].line, 2);
        assert_eq!(root.children[1].ns.as_deref(), Some("urn:y"));
    }

    #[test]
    fn byte_order_marks_and_stray_bytes_do_not_panic() {
        // Found by the fuzzer: a BOM followed by control characters.
        assert!(parse(b"\xef\xbb\xbf\x0b\x0b", 1 << 20).is_err());
        assert_eq!(parse(b"\xef\xbb\xbf<a/>", 1 << 20).unwrap().name, "a");
        assert!(parse(b"\xef\xbb\xbf", 1 << 20).is_err());
    }

    #[test]
    fn truncated_and_oversized() {
        let e = parse(b"<a>\n<b>", 1 << 20).unwrap_err();
        assert!(e.reason.contains("truncated"), "{e}");
        let e = parse(&[b' '; 100], 10).unwrap_err();
        assert!(e.reason.contains("bytes"));
        assert!(parse(b"", 10).is_err());
        assert!(parse(b"<a><b></a>", 100).is_err());
    }
}
