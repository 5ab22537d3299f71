//! Text extraction for search: PDF, Markdown, plain text; a malformed PDF gives no text and no
//! crash.

/// A minimal, valid one-page PDF showing `text` in Helvetica (offsets computed, as the format
/// requires).
fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn pdf_markdown_and_text_are_indexed() {
    let text = pillar_web::extract_text(
        "report.pdf",
        "application/pdf",
        &pdf("Hypersonic scramjet ladder"),
    );
    assert!(text.contains("scramjet"), "{text:?}");
    assert_eq!(
        pillar_web::extract_text("a.md", "", b"# Quantum"),
        "# Quantum"
    );
    assert_eq!(
        pillar_web::extract_text("a.bin", "application/octet-stream", b"\x00\x01"),
        ""
    );
}

#[test]
fn a_broken_pdf_gives_no_text_and_no_crash() {
    let mut broken = pdf("truncated");
    broken.truncate(broken.len() / 2);
    assert_eq!(
        pillar_web::extract_text("broken.pdf", "application/pdf", &broken),
        ""
    );
    assert_eq!(
        pillar_web::extract_text("x.pdf", "application/pdf", b"%PDF-1.7 garbage"),
        ""
    );
}
