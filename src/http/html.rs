//! Escaping for the HTML pages motcua prints (receipts, result documents, forms).

/// `text` safe inside HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A QR code of `data` as an inline `<svg>` element (error correction M, quiet zone included),
/// or `None` when `data` is too long for a QR code.
pub fn qr_svg(data: &str, size_px: u32) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(size_px, size_px).quiet_zone(true).build();
    // The renderer writes a standalone document; inside HTML only the element belongs.
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_an_inline_svg_element() {
        let svg = qr_svg("https://dichvucong.example.vn/api/v1/lookup/000.17.22.H56-261125-0001?secret=K7M2QX", 120);
        let svg = svg.unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
        assert!(qr_svg(&"x".repeat(5000), 120).is_none());
    }

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(escape(r#"<a href="x">Đ'</a> & b"#), "&lt;a href=&quot;x&quot;&gt;Đ&#39;&lt;/a&gt; &amp; b");
    }
}
