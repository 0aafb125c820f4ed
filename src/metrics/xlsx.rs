//! Office exports as XLSX workbooks (issue 10): the indicators, one sheet per agency level, and
//! the tracking book, with the Vietnamese headers of the CSV exports. Numbers are written as
//! numbers, ratios as numbers formatted as percentages, and times as spreadsheet dates, so
//! officials can sum, sort and chart them without retyping.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::service::IndicatorReport;
use super::tracking_book::{BookLine, HEADER as BOOK_HEADER};
use crate::calendar::domain::business_offset;
use crate::catalog::domain::AgencyLevel;

/// The media type of the workbooks.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The column headers of an indicator sheet (those of the CSV export).
pub const INDICATOR_HEADER: [&str; 9] =
    ["Mã chỉ số", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Chỉ tiêu", "Chênh lệch", "Điểm", "Điểm tối đa"];

/// The sheet name of a level.
pub fn level_sheet_name(level: AgencyLevel) -> &'static str {
    match level {
        AgencyLevel::Province => "Cấp tỉnh",
        AgencyLevel::District => "Cấp huyện",
        AgencyLevel::Commune => "Cấp xã",
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The indicators, one sheet per report (each report is one level's): a title, the period, then
/// one row per indicator under [`INDICATOR_HEADER`], then the online services left unused.
///
/// # Errors
/// When the workbook cannot be written.
pub fn indicators_workbook(reports: &[IndicatorReport]) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new().set_bold().set_text_wrap().set_background_color("#DDEBF7");
    let percent = Format::new().set_num_format("0.00%");
    let points = Format::new().set_num_format("0.00");
    for report in reports {
        let sheet = workbook.add_worksheet();
        sheet.set_name(level_sheet_name(report.level)).context("name the sheet")?;
        let title = format!(
            "Kết quả chỉ số đánh giá chất lượng phục vụ (Quyết định 766/QĐ-TTg) — {}",
            level_sheet_name(report.level)
        );
        sheet.write_string_with_format(0, 0, title, &bold).context("write the title")?;
        let period = format!("Từ ngày {} đến ngày {}; chỉ tiêu năm {}", day(report.from), day(report.to), report.year);
        sheet.write_string(1, 0, period).context("write the period")?;
        write_header(sheet, 3, &INDICATOR_HEADER, &header)?;
        let mut row = 4;
        for item in &report.items {
            sheet.write_string(row, 0, item.indicator.as_str()).context("write a key")?;
            sheet.write_string(row, 1, item.indicator.label()).context("write a label")?;
            sheet.write_number(row, 2, item.numerator as f64).context("write a numerator")?;
            sheet.write_number(row, 3, item.denominator as f64).context("write a denominator")?;
            for (col, value) in [(4, item.ratio), (5, item.target), (6, item.gap)] {
                if let Some(v) = value {
                    sheet.write_number_with_format(row, col, v, &percent).context("write a ratio")?;
                }
            }
            if let Some(p) = item.points {
                sheet.write_number_with_format(row, 7, p, &points).context("write points")?;
            }
            sheet.write_number_with_format(row, 8, item.max_points, &points).context("write points")?;
            row += 1;
        }
        row += 1;
        sheet
            .write_string_with_format(row, 0, "Dịch vụ trực tuyến không phát sinh hồ sơ trong kỳ", &bold)
            .context("write a title")?;
        row += 1;
        write_header(sheet, row, &["Mã cơ quan", "Mã thủ tục", "Tên thủ tục", "Mức độ"], &header)?;
        for unused in &report.unused_online_services {
            row += 1;
            let level = if unused.online_level == "full" { "Toàn trình" } else { "Một phần" };
            for (col, text) in
                [(0, unused.agency_code.as_str()), (1, &unused.procedure_code), (2, &unused.procedure_name), (3, level)]
            {
                sheet.write_string(row, col, text).context("write an unused service")?;
            }
        }
        for (col, width) in [(0, 30.0), (1, 60.0), (2, 10.0), (3, 10.0), (4, 10.0), (5, 10.0), (6, 12.0), (7, 8.0)] {
            sheet.set_column_width(col, width).context("size a column")?;
        }
        sheet.set_freeze_panes(4, 0).context("freeze the header")?;
    }
    workbook.save_to_buffer().context("write the workbook")
}

fn write_header(sheet: &mut Worksheet, row: u32, cells: &[&str], format: &Format) -> anyhow::Result<()> {
    for (col, text) in (0..).zip(cells) {
        sheet.write_string_with_format(row, col, *text, format).context("write a header")?;
    }
    Ok(())
}

/// The tracking book of `agency_name` as one sheet: a title and the period, the header of
/// Mẫu 06 on row 4, then one row per line (number as a number, the three times as dates in
/// Asia/Ho_Chi_Minh).
///
/// # Errors
/// When the workbook cannot be written.
pub fn tracking_book_workbook(
    agency_name: &str,
    from: NaiveDate,
    to: NaiveDate,
    lines: &[BookLine],
) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new().set_bold().set_text_wrap().set_background_color("#DDEBF7");
    let when = Format::new().set_num_format("hh:mm dd/mm/yyyy");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sổ theo dõi hồ sơ").context("name the sheet")?;
    sheet
        .write_string_with_format(0, 0, format!("SỔ THEO DÕI HỒ SƠ — {agency_name}"), &bold)
        .context("write the title")?;
    sheet.write_string(1, 0, format!("Từ ngày {} đến ngày {}", day(from), day(to))).context("write the period")?;
    write_header(sheet, 3, &BOOK_HEADER, &header)?;
    let local = |t: Option<DateTime<Utc>>| t.map(|t| t.with_timezone(&business_offset()).naive_local());
    for ((row, number), line) in (4u32..).zip(1usize..).zip(lines) {
        let cells = line.cells(number);
        sheet.write_number(row, 0, number as f64).context("write a number")?;
        for col in 1..=5u16 {
            sheet.write_string(row, col, &cells[usize::from(col)]).context("write a cell")?;
        }
        for (col, t) in [(6, line.received_at), (7, line.due_at), (8, line.returned_at)] {
            if let Some(t) = local(t) {
                sheet.write_datetime_with_format(row, col, t, &when).context("write a time")?;
            }
        }
        sheet.write_string(row, 9, &cells[9]).context("write the note")?;
    }
    for (col, width) in
        [(0, 6.0), (1, 28.0), (2, 40.0), (3, 24.0), (4, 18.0), (5, 28.0), (6, 17.0), (7, 17.0), (8, 17.0)]
    {
        sheet.set_column_width(col, width).context("size a column")?;
    }
    sheet.set_column_width(9, 40.0).context("size a column")?;
    sheet.set_freeze_panes(4, 0).context("freeze the header")?;
    workbook.save_to_buffer().context("write the workbook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_book_is_a_workbook_with_its_header() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let bytes = tracking_book_workbook("UBND xã Thử", day, day, &[]).unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a ZIP archive");
    }
}
