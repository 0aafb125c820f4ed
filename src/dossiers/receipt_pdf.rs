//! The reception receipt (Mẫu 01) as an A5 PDF: the same content as the printable page, set in
//! DejaVu Sans (embedded, so Vietnamese diacritics print on any reader and the text can be
//! searched and copied), with a QR code of the public status lookup.
//!
//! # Implementation Notes
//! The font is a subset of DejaVu Sans made once with fontTools (Latin, Vietnamese, punctuation;
//! see `assets/fonts/README.md`): printpdf without its layout engine embeds fonts whole, and the
//! full face would make every receipt ~350 KB. Lines are broken here, on spaces, by the glyph
//! widths of that font; a word longer than a line (a SHA-256, a URL) is cut where it must be.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use printpdf::{
    Color, FontId, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect,
    Rgb, TextItem,
};

use super::receipt::Receipt;

const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Vietnamese.ttf");

/// A5 portrait, in points.
const PAGE_WIDTH: f32 = 419.53;
const PAGE_HEIGHT: f32 = 595.28;
const MARGIN: f32 = 34.0;
const BODY: f32 = 10.0;
const SMALL: f32 = 7.0;
const QR_SIZE: f32 = 72.0;

/// A PDF document (the schema of the `application/pdf` reply).
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfDocumentBytes(pub Vec<u8>);

/// Why no PDF could be made (the embedded font did not parse: a build defect, not bad input).
#[derive(Debug, thiserror::Error)]
#[error("the receipt font could not be read")]
pub struct FontUnavailable;

fn font() -> Result<&'static ParsedFont, FontUnavailable> {
    static FONT: OnceLock<Option<ParsedFont>> = OnceLock::new();
    FONT.get_or_init(|| ParsedFont::from_bytes(FONT_BYTES, 0, &mut Vec::new())).as_ref().ok_or(FontUnavailable)
}

/// The receipt as PDF bytes, with a QR code of `lookup_url`.
///
/// # Errors
/// [`FontUnavailable`] when the embedded font cannot be read.
pub fn receipt_pdf(r: &Receipt, lookup_url: &str) -> Result<Vec<u8>, FontUnavailable> {
    let font = font()?;
    let mut doc = PdfDocument::new(&format!("Giấy tiếp nhận hồ sơ {}", r.code));
    let font_id = doc.add_font(font);
    let mut pages = Pages::new(font, font_id);

    pages.qr_code(lookup_url);
    pages.centered(&r.agency_name, BODY);
    pages.centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BODY);
    pages.centered("Độc lập - Tự do - Hạnh phúc", BODY);
    pages.below_qr_code();
    pages.centered("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 12.0);
    pages.gap(8.0);
    let when = |t: &DateTime<FixedOffset>| t.format("%H giờ %M phút, ngày %d/%m/%Y").to_string();
    let unset = "không quy định";
    pages.paragraph(&format!("Mã hồ sơ: {} — Mã tra cứu: {}", r.code, r.lookup_secret), BODY);
    pages.paragraph(&format!("Tiếp nhận hồ sơ của: {}", r.applicant_name), BODY);
    pages.paragraph(&format!("Email: {}", r.applicant_email), BODY);
    pages.paragraph(&format!("Số điện thoại: {}", r.applicant_phone.as_deref().unwrap_or("—")), BODY);
    pages.paragraph(&format!("Nội dung yêu cầu giải quyết: {} ({})", r.procedure_name, r.procedure_code), BODY);
    pages.paragraph(
        &format!("Thời hạn giải quyết theo quy định: {}", r.processing_time.as_deref().unwrap_or(unset)),
        BODY,
    );
    pages.gap(4.0);
    pages.paragraph("Thành phần hồ sơ:", BODY);
    for (i, d) in r.documents.iter().enumerate() {
        pages.paragraph(&format!("{}. {} — tệp {} ({} byte)", i + 1, d.name, d.file_name, d.size), BODY);
        pages.paragraph(&format!("SHA-256: {}", d.sha256), SMALL);
    }
    pages.gap(4.0);
    pages.paragraph(&format!("Thời gian nhận hồ sơ: {}", when(&r.received_at)), BODY);
    pages.paragraph(
        &format!("Thời gian trả kết quả: {}", r.due_at.as_ref().map_or_else(|| unset.to_owned(), when)),
        BODY,
    );
    pages.paragraph(&format!("Nhận kết quả tại: {}", r.collect_at), BODY);
    pages.gap(4.0);
    pages.paragraph(&format!("Tra cứu tình trạng hồ sơ: {lookup_url}"), SMALL);

    let pages = pages.finish();
    Ok(doc.with_pages(pages).save(&PdfSaveOptions::default(), &mut Vec::new()))
}

/// Pages being filled from the top, a new one begun when a line no longer fits.
struct Pages {
    font: &'static ParsedFont,
    font_id: FontId,
    done: Vec<PdfPage>,
    ops: Vec<Op>,
    /// Baseline of the next line, from the page's bottom.
    y: f32,
    /// Lines above this height must stop short of the QR code in the top-right corner.
    qr_bottom: f32,
}

impl Pages {
    fn new(font: &'static ParsedFont, font_id: FontId) -> Self {
        Self { font, font_id, done: Vec::new(), ops: Vec::new(), y: PAGE_HEIGHT - MARGIN, qr_bottom: PAGE_HEIGHT }
    }

    /// The width of `text` at `size` points, from the font's advance widths.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units_per_em = f32::from(self.font.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| {
                self.font
                    .lookup_glyph_index(u32::from(c))
                    .and_then(|gid| self.font.get_glyph_width(gid))
                    .map_or(units_per_em as u32 / 2, u32::from)
            })
            .sum();
        units as f32 * size / units_per_em
    }

    fn line_width(&self, size: f32) -> f32 {
        let full = PAGE_WIDTH - 2.0 * MARGIN;
        if self.y + size > self.qr_bottom {
            full - QR_SIZE - 8.0
        } else {
            full
        }
    }

    fn text_at(&mut self, x: f32, text: &str, size: f32) {
        let leading = size * 1.35;
        if self.y - leading < MARGIN {
            self.new_page();
        }
        self.y -= leading;
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(self.font_id.clone()), size: Pt(size) },
            Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(self.y) } },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
        ]);
    }

    fn centered(&mut self, text: &str, size: f32) {
        let free = self.line_width(size) - self.width(text, size);
        self.text_at(MARGIN + (free / 2.0).max(0.0), text, size);
    }

    /// `text` broken into lines that fit, on spaces where possible.
    fn paragraph(&mut self, text: &str, size: f32) {
        let mut line = String::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.width(&candidate, size) <= self.line_width(size) {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                let full = std::mem::take(&mut line);
                self.text_at(MARGIN, &full, size);
            }
            // A word wider than a line is cut into pieces that fit.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.width(&piece, size) > self.line_width(size) {
                    piece.pop();
                    let full = std::mem::replace(&mut piece, c.to_string());
                    self.text_at(MARGIN, &full, size);
                }
            }
            line = piece;
        }
        if !line.is_empty() {
            self.text_at(MARGIN, &line, size);
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// Moves below the QR code, so that the next line may use the page's whole width.
    fn below_qr_code(&mut self) {
        self.y = self.y.min(self.qr_bottom - 4.0);
    }

    /// The QR code in the top-right corner of the first page, one filled square per dark module.
    fn qr_code(&mut self, data: &str) {
        let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
            return;
        };
        let modules = code.width();
        let quiet = 2.0;
        let module = QR_SIZE / (modules as f32 + 2.0 * quiet);
        let left = PAGE_WIDTH - MARGIN - QR_SIZE;
        let top = PAGE_HEIGHT - MARGIN;
        self.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb { r: 0.0, g: 0.0, b: 0.0, icc_profile: None }) });
        for (i, colour) in code.to_colors().into_iter().enumerate() {
            if colour != qrcode::Color::Dark {
                continue;
            }
            let (row, col) = ((i / modules) as f32, (i % modules) as f32);
            let mut square = Rect::from_xywh(
                Pt(left + (quiet + col) * module),
                Pt(top - (quiet + row + 1.0) * module),
                Pt(module),
                Pt(module),
            );
            square.mode = Some(PaintMode::Fill);
            self.ops.push(Op::DrawRectangle { rectangle: square });
        }
        self.qr_bottom = top - QR_SIZE;
    }

    fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.done.push(PdfPage::new(Mm::from(Pt(PAGE_WIDTH)), Mm::from(Pt(PAGE_HEIGHT)), ops));
        self.y = PAGE_HEIGHT - MARGIN;
        self.qr_bottom = PAGE_HEIGHT;
    }

    fn finish(mut self) -> Vec<PdfPage> {
        self.new_page();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossiers::receipt::ReceiptDocument;

    fn receipt(documents: usize) -> Receipt {
        let at = DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").unwrap();
        Receipt {
            agency_code: "000.17.22.H56".into(),
            agency_name: "UBND xã Đông Sơn".into(),
            code: "000.17.22.H56-261125-0001".into(),
            lookup_secret: "K7M2QX".into(),
            applicant_name: "Nguyễn Thị Hồng Nhung".into(),
            applicant_email: "a@example.vn".into(),
            applicant_phone: None,
            procedure_code: "1.004873".into(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            processing_time: Some("3 working days".into()),
            documents: (0..documents)
                .map(|i| ReceiptDocument {
                    document_key: format!("giay_to_{i}"),
                    name: "Tờ khai đăng ký".into(),
                    file_name: "tờ khai.pdf".into(),
                    sha256: "ab".repeat(32),
                    size: 1024,
                })
                .collect(),
            received_at: at,
            due_at: None,
            collect_at: "UBND xã Đông Sơn".into(),
        }
    }

    #[test]
    fn the_font_covers_vietnamese_and_measures_text() {
        let font = font().unwrap();
        for c in "ĐđƠơƯưẠạẶặỆệỸỹ₫".chars() {
            assert!(font.lookup_glyph_index(u32::from(c)).is_some(), "no glyph for {c}");
        }
        let pages = Pages::new(font, FontId::new());
        assert!(pages.width("Nguyễn", 10.0) > pages.width("Ng", 10.0));
    }

    #[test]
    fn a_long_receipt_flows_onto_more_pages() {
        let url = "https://dvc.example.vn/api/v1/lookup/000.17.22.H56-261125-0001?secret=K7M2QX";
        let one = receipt_pdf(&receipt(1), url).unwrap();
        assert!(one.starts_with(b"%PDF-"));
        let many = receipt_pdf(&receipt(40), url).unwrap();
        let pages = |pdf: &[u8]| lopdf::Document::load_mem(pdf).unwrap().get_pages().len();
        assert_eq!(pages(&one), 1);
        assert!(pages(&many) > 1);
    }
}
