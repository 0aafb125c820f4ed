//! The national DOCX templates of the official forms, built with `docx-rs` on first use and kept
//! for the life of the process: the wording and structure of TT 01/2018/TT-VPCP (with the
//! TT 03/2025/TT-VPCP number beside it), the Quốc hiệu and tiêu ngữ, and placeholders for
//! everything the HTML pages print. An agency without its own template gets these; an agency
//! starts its own by downloading one and editing it in Word.
//!
//! # Implementation Notes
//! Built in code rather than committed as binary files so that a change of wording is a
//! reviewable diff and the templates always match the placeholder catalogue (a test fills each
//! one and checks it against [`OfficialForm::vocabulary`]).

use std::io::Cursor;
use std::sync::OnceLock;

use anyhow::Context;
use docx_rs::{
    AlignmentType, Docx, PageMargin, PageOrientationType, Paragraph, Run, RunFonts, Table, TableCell, TableRow,
    WidthType,
};

use super::placeholders::OfficialForm;

/// Paper sizes of the forms, in twentieths of a point.
#[derive(Debug, Clone, Copy)]
enum Paper {
    A5,
    A4Landscape,
}

impl Paper {
    /// The width between the margins.
    fn text_width(self) -> usize {
        match self {
            Self::A5 => 8391 - 850 - 680,
            Self::A4Landscape => 16838 - 850 - 850,
        }
    }
}

fn document(paper: Paper) -> Docx {
    let font = "Times New Roman";
    let docx = Docx::new()
        .default_fonts(RunFonts::new().ascii(font).hi_ansi(font).cs(font).east_asia(font))
        // Half-points: 12 pt on A5, 11 pt for the wide book.
        .default_size(match paper {
            Paper::A5 => 24,
            Paper::A4Landscape => 22,
        });
    let margin = PageMargin::new().top(680).bottom(680).left(850);
    match paper {
        Paper::A5 => docx.page_size(8391, 11906).page_margin(margin.right(680)),
        Paper::A4Landscape => {
            docx.page_size(16838, 11906).page_orient(PageOrientationType::Landscape).page_margin(margin.right(850))
        }
    }
}

/// A paragraph of plain text and placeholders.
fn line(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

/// A label followed by a bold value.
fn field(label: &str, value: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(label)).add_run(Run::new().add_text(value).bold())
}

fn centered(text: &str, bold: bool, italic: bool) -> Paragraph {
    styled(text, bold, italic, None)
}

/// A centred paragraph; `size` in half-points, the document's default when `None`.
fn styled(text: &str, bold: bool, italic: bool, size: Option<usize>) -> Paragraph {
    let mut run = Run::new().add_text(text);
    if let Some(size) = size {
        run = run.size(size);
    }
    if bold {
        run = run.bold();
    }
    if italic {
        run = run.italic();
    }
    Paragraph::new().add_run(run).align(AlignmentType::Center)
}

fn title(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).bold().size(26)).align(AlignmentType::Center)
}

/// The form's number, top right.
fn number(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).italic().size(20)).align(AlignmentType::Right)
}

fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs.into_iter().fold(TableCell::new().width(width, WidthType::Dxa), TableCell::add_paragraph)
}

/// The agency on the left, the Quốc hiệu and tiêu ngữ on the right, without borders.
fn letterhead(paper: Paper) -> Table {
    let width = paper.text_width();
    let left = width / 3;
    // Small enough (10 pt, the Quốc hiệu 9 pt) for the Quốc hiệu to hold on one line of A5.
    Table::without_borders(vec![TableRow::new(vec![
        cell(left, vec![styled("{{agency_name}}", true, false, Some(20))]),
        cell(
            width - left,
            vec![
                styled("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", true, false, Some(18)),
                styled("Độc lập - Tự do - Hạnh phúc", true, false, Some(20)),
            ],
        ),
    ])])
    .set_grid(vec![left, width - left])
}

/// The size of table text, in half-points (10 pt, as the HTML pages).
const CELL_SIZE: usize = 20;

/// A bordered table: a bold header row, then the row repeated for `list` (its first cell
/// carries the `{{#list}}` marker).
fn list_table(paper: Paper, list: &str, columns: &[(&str, &str, usize)]) -> Table {
    let total: usize = columns.iter().map(|(_, _, w)| w).sum();
    let widths: Vec<usize> = columns.iter().map(|(_, _, w)| paper.text_width() * w / total.max(1)).collect();
    let header = TableRow::new(
        columns
            .iter()
            .zip(&widths)
            .map(|((head, _, _), w)| cell(*w, vec![styled(head, true, false, Some(CELL_SIZE))]))
            .collect(),
    );
    let repeated = TableRow::new(
        columns
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, ((_, value, _), w))| {
                let text = if i == 0 { format!("{{{{#{list}}}}}{value}") } else { (*value).to_owned() };
                cell(*w, vec![Paragraph::new().add_run(Run::new().add_text(text).size(CELL_SIZE))])
            })
            .collect(),
    );
    Table::new(vec![header, repeated]).set_grid(widths)
}

/// Two signature blocks side by side; `right_name` is printed under the right one.
fn signatures(paper: Paper, left: &str, right: &str, right_name: &str) -> Table {
    let half = paper.text_width() / 2;
    let block = |who: &str, name: &str| {
        cell(
            half,
            vec![
                centered(who, true, false),
                centered("(Ký, ghi rõ họ tên)", false, true),
                line(""),
                line(""),
                centered(name, true, false),
            ],
        )
    };
    Table::without_borders(vec![TableRow::new(vec![block(left, ""), block(right, right_name)])])
        .set_grid(vec![half, half])
}

/// Who the form is addressed to and what they asked for (the HTML's applicant block).
fn applicant(docx: Docx) -> Docx {
    docx.add_paragraph(field("Mã hồ sơ: ", "{{dossier_code}}"))
        .add_paragraph(field("Kính gửi: ", "{{applicant_name}}"))
        .add_paragraph(line("Địa chỉ: {{applicant_address}}"))
        .add_paragraph(line("Số điện thoại: {{applicant_phone}} — Email: {{applicant_email}}"))
        .add_paragraph(line("Nội dung yêu cầu giải quyết: {{procedure_name}} (mã thủ tục {{procedure_code}})"))
}

fn head(paper: Paper, form_number: &str) -> Docx {
    document(paper).add_paragraph(number(form_number)).add_table(letterhead(paper))
}

fn build(form: OfficialForm) -> Docx {
    let a5 = Paper::A5;
    match form {
        OfficialForm::Receipt => head(a5, "Mẫu số 01 — TT 01/2018/TT-VPCP (Mẫu số 01 — TT 03/2025/TT-VPCP)")
            .add_paragraph(title("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"))
            .add_paragraph(field("Mã hồ sơ: ", "{{dossier_code}}"))
            .add_paragraph(field("Mã tra cứu: ", "{{lookup_secret}}"))
            .add_paragraph(line("{{agency_name}} tiếp nhận hồ sơ của: {{applicant_name}}"))
            .add_paragraph(line("Email: {{applicant_email}} — Số điện thoại: {{applicant_phone}}"))
            .add_paragraph(line("Nội dung yêu cầu giải quyết: {{procedure_name}} ({{procedure_code}})"))
            .add_paragraph(line("Thành phần hồ sơ gồm:"))
            .add_table(list_table(
                a5,
                "documents",
                &[
                    ("TT", "{{documents.index}}", 6),
                    ("Thành phần hồ sơ", "{{documents.name}}", 34),
                    ("Tệp", "{{documents.file_name}}", 25),
                    ("SHA-256", "{{documents.sha256}}", 35),
                ],
            ))
            .add_paragraph(line("Số lượng hồ sơ: 01 bộ"))
            .add_paragraph(line("Thời hạn giải quyết theo quy định: {{processing_time}}"))
            .add_paragraph(line("Thời gian nhận hồ sơ: {{received_at}}"))
            .add_paragraph(field("Thời gian trả kết quả: ", "{{due_at}}"))
            .add_paragraph(line("Nhận kết quả tại: {{collect_at}}"))
            .add_paragraph(line("Tra cứu tình trạng hồ sơ: {{lookup_url}}"))
            .add_table(signatures(a5, "Người nộp hồ sơ", "Người tiếp nhận hồ sơ", "")),
        OfficialForm::SupplementRequest => {
            let docx = head(a5, "Mẫu số 02 — TT 01/2018/TT-VPCP")
                .add_paragraph(centered("Số: {{request_number}}/HDHS", false, false))
                .add_paragraph(centered("{{at}}", false, true))
                .add_paragraph(title("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"));
            applicant(docx)
                .add_paragraph(line("Ngày tiếp nhận: {{received_at}}"))
                .add_paragraph(line("Sau khi xem xét, hồ sơ cần được bổ sung, hoàn thiện các nội dung sau:"))
                .add_table(list_table(
                    a5,
                    "items",
                    &[
                        ("TT", "{{items.index}}", 8),
                        ("Thành phần hồ sơ", "{{items.document}}", 40),
                        ("Nội dung cần bổ sung, hoàn thiện", "{{items.description}}", 52),
                    ],
                ))
                .add_paragraph(line("Lý do: {{reason}}"))
                .add_paragraph(line(
                    "Thời gian chờ bổ sung không tính vào thời hạn giải quyết. Mọi vướng mắc xin liên hệ Bộ phận Một cửa — {{agency_name}}.",
                ))
                .add_table(signatures(a5, "", "Người hướng dẫn", "{{officer}}"))
        }
        OfficialForm::Refusal => {
            let docx = head(a5, "Mẫu số 03 — TT 01/2018/TT-VPCP (Mẫu số 03 — TT 03/2025/TT-VPCP)")
                .add_paragraph(centered("{{at}}", false, true))
                .add_paragraph(title("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"));
            applicant(docx)
                .add_paragraph(line("Căn cứ: {{legal_basis}}"))
                .add_paragraph(line("Cơ quan, đơn vị từ chối tiếp nhận, giải quyết hồ sơ với lý do: {{reason}}"))
                .add_paragraph(line("Xin thông báo để Ông/Bà được biết và thực hiện."))
                .add_table(signatures(a5, "", "Người từ chối", "{{officer}}"))
        }
        OfficialForm::Apology => {
            let docx = head(a5, "Mẫu số 04 — TT 01/2018/TT-VPCP")
                .add_paragraph(centered("{{at}}", false, true))
                .add_paragraph(title("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"));
            applicant(docx)
                .add_paragraph(line("Ngày nhận hồ sơ: {{received_at}}"))
                .add_paragraph(line("Thời hạn trả kết quả theo giấy hẹn: {{previous_due_at}}"))
                .add_paragraph(line("Lý do chậm trả kết quả: {{reason}}"))
                .add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_text(
                            "{{agency_name}} xin lỗi Ông/Bà vì sự chậm trễ này và hẹn lại thời gian trả kết quả vào: ",
                        ))
                        .add_run(Run::new().add_text("{{new_due_at}}").bold())
                        .add_run(Run::new().add_text(".")),
                )
                .add_table(signatures(a5, "", "Thủ trưởng cơ quan", "{{officer}}"))
        }
        OfficialForm::StopNotice => {
            let docx = head(a5, "Mẫu số 05 — TT 03/2025/TT-VPCP")
                .add_paragraph(centered("{{at}}", false, true))
                .add_paragraph(title("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"));
            applicant(docx)
                .add_paragraph(line("Ngày tiếp nhận: {{received_at}}"))
                .add_paragraph(line("{{agency_name}} thông báo dừng giải quyết hồ sơ nêu trên. Lý do: {{reason}}"))
                .add_table(signatures(a5, "", "Thủ trưởng cơ quan", "{{officer}}"))
        }
        OfficialForm::ControlSheet => head(a5, "Mẫu số 05 — TT 01/2018/TT-VPCP (Mẫu số 06 — TT 03/2025/TT-VPCP)")
            .add_paragraph(title("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"))
            .add_paragraph(field("Mã hồ sơ: ", "{{dossier_code}}"))
            .add_paragraph(line("Cơ quan chủ trì giải quyết: {{agency_name}}"))
            .add_paragraph(line("Tên người nộp hồ sơ: {{applicant_name}}"))
            .add_paragraph(line("Tên thủ tục hành chính: {{procedure_name}} ({{procedure_code}})"))
            .add_paragraph(line("Thời gian nhận hồ sơ: {{received_at}}"))
            .add_paragraph(line("Thời gian trả kết quả: {{due_at}}"))
            .add_table(list_table(
                a5,
                "steps",
                &[
                    ("TT", "{{steps.index}}", 7),
                    ("Bước xử lý", "{{steps.action}}", 16),
                    ("Bên giao", "{{steps.giver}}", 18),
                    ("Chuyển sang", "{{steps.to_state}}", 14),
                    ("Thời gian giao, nhận", "{{steps.at}}", 18),
                    ("Kết quả (trước hạn / đúng hạn / quá hạn)", "{{steps.result}}", 14),
                    ("Ghi chú", "{{steps.note}}", 14),
                ],
            )),
        OfficialForm::TrackingBook => {
            let wide = Paper::A4Landscape;
            head(wide, "Mẫu số 06 — TT 01/2018/TT-VPCP (Mẫu số 07 — TT 03/2025/TT-VPCP)")
                .add_paragraph(title("SỔ THEO DÕI HỒ SƠ"))
                .add_paragraph(centered("Từ ngày {{from}} đến ngày {{to}}", false, true))
                .add_table(list_table(
                    wide,
                    "rows",
                    &[
                        ("STT", "{{rows.index}}", 5),
                        ("Mã hồ sơ", "{{rows.dossier_code}}", 13),
                        ("Tên TTHC", "{{rows.procedure_name}}", 14),
                        ("Số lượng hồ sơ (bộ)", "{{rows.count}}", 7),
                        ("Tên cá nhân, tổ chức", "{{rows.applicant_name}}", 10),
                        ("Địa chỉ, số điện thoại", "{{rows.applicant_contact}}", 10),
                        ("Ngày nhận hồ sơ", "{{rows.received_at}}", 8),
                        ("Ngày hẹn trả kết quả", "{{rows.due_at}}", 8),
                        ("Ngày có kết quả", "{{rows.resolved_at}}", 8),
                        ("Ngày trả kết quả", "{{rows.returned_at}}", 8),
                        ("Ký nhận", "", 5),
                        ("Ghi chú", "{{rows.state}}", 8),
                    ],
                ))
        }
    }
}

static DEFAULTS: [OnceLock<Vec<u8>>; OfficialForm::ALL.len()] = [const { OnceLock::new() }; OfficialForm::ALL.len()];

/// The national template of `form` as DOCX bytes.
///
/// # Errors
/// When docx-rs cannot write the package (not expected: it writes to memory).
pub fn default_template(form: OfficialForm) -> anyhow::Result<&'static [u8]> {
    let slot = OfficialForm::ALL.iter().position(|f| *f == form).context("form out of the list")?;
    let cell = &DEFAULTS[slot];
    if let Some(bytes) = cell.get() {
        return Ok(bytes);
    }
    let mut out = Cursor::new(Vec::new());
    build(form).build().pack(&mut out).map_err(|e| anyhow::anyhow!("pack the {} template: {e}", form.as_str()))?;
    Ok(cell.get_or_init(|| out.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::docx::{check_template, document_text, fill, FormValues};
    use crate::forms::placeholders::tests::sample_values;

    #[test]
    fn every_default_template_uses_only_its_forms_placeholders_and_fills_completely() {
        for (form, values) in sample_values() {
            let template = default_template(form).unwrap();
            let used = check_template(template, &form.vocabulary()).unwrap();
            for (list, _) in form.vocabulary().lists {
                assert!(used.contains(&format!("#{list}")), "{form:?} repeats {list}");
            }
            let text = document_text(&fill(template, &values).unwrap()).unwrap();
            assert!(!text.contains("{{"), "{form:?} left a placeholder:\n{text}");
            assert!(
                text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") && text.contains("Độc lập - Tự do - Hạnh phúc")
            );
            assert!(text.contains("UBND xã Đông Sơn") && text.contains("Mẫu số 0"), "{form:?}:\n{text}");
        }
    }

    #[test]
    fn the_receipt_lists_each_document_and_the_book_each_dossier() {
        let samples = sample_values();
        let text = |form: OfficialForm| {
            let values = &samples.iter().find(|(f, _)| *f == form).unwrap().1;
            document_text(&fill(default_template(form).unwrap(), values).unwrap()).unwrap()
        };
        let receipt = text(OfficialForm::Receipt);
        assert!(receipt.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") && receipt.contains("to-khai.pdf"));
        assert!(receipt.contains("K7M2QX") && receipt.contains("không quy định"), "{receipt}");
        let book = text(OfficialForm::TrackingBook);
        assert!(book.contains("Trần Văn Bình") && book.contains("Từ ngày 01/11/2026 đến ngày 30/11/2026"), "{book}");
    }

    #[test]
    fn a_full_tracking_book_fills_every_row() {
        let mut values = FormValues::default();
        values.set("agency_name", "UBND xã Đông Sơn").set("from", "01/01/2026").set("to", "31/12/2026");
        let rows = crate::forms::service::MAX_BOOK_ROWS;
        for i in 1..=rows {
            values.push("rows", [("index", i.to_string()), ("dossier_code", format!("000.17.22.H56-260101-{i:04}"))]);
        }
        let started = std::time::Instant::now();
        let filled = fill(default_template(OfficialForm::TrackingBook).unwrap(), &values).unwrap();
        let elapsed = started.elapsed();
        let text = document_text(&filled).unwrap();
        assert!(text.contains(&format!("000.17.22.H56-260101-{rows:04}")));
        assert_eq!(text.matches("000.17.22.H56-260101-").count() as u64, rows);
        println!("{rows} rows: {} bytes in {elapsed:?}", filled.len());
    }
}
