//! The e-mail texts, in Vietnamese, plain text: pure functions from a notice to a subject and a
//! body. One per action the applicant sees (the forms of TT 01/2018/TT-VPCP and TT 03/2025/TT-VPCP,
//! DOMAIN.md §1.3), and the reminders to an agency's leaders.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::domain::{DossierNotice, DueDossier, ReminderKind};
use crate::calendar::domain::business_offset;
use crate::workflow::domain::{Action, DossierState};

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// What "no action needed" reads as.
pub const NOTHING_TO_DO: &str = "Ông/Bà không cần làm gì thêm.";

const SIGNATURE: &str = "Trân trọng,\nBộ phận Tiếp nhận và Trả kết quả — Cổng dịch vụ công\n\
(Thư này được gửi tự động, vui lòng không trả lời.)\n";

/// The state as the applicant reads it.
pub fn state_label(state: DossierState) -> &'static str {
    match state {
        DossierState::Draft => "Đang soạn, chưa nộp",
        DossierState::Submitted => "Đã nộp, chờ tiếp nhận",
        DossierState::Received => "Đã tiếp nhận",
        DossierState::Refused => "Không được tiếp nhận",
        DossierState::InProgress | DossierState::PendingApproval => "Đang giải quyết",
        DossierState::AwaitingSupplement => "Chờ bổ sung, hoàn thiện hồ sơ",
        DossierState::AwaitingPayment => "Chờ nộp phí, lệ phí",
        DossierState::Withdrawn => "Đã rút hồ sơ",
        DossierState::Stopped => "Dừng giải quyết",
        DossierState::Resolved => "Đã có kết quả",
        DossierState::Returned => "Đã trả kết quả",
    }
}

/// A time in Asia/Ho_Chi_Minh as `HH:MM ngày DD/MM/YYYY`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&business_offset()).format("%H:%M ngày %d/%m/%Y").to_string()
}

/// An amount of đồng with dots between thousands: `50.000 đ`.
pub fn format_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{grouped} đ")
}

/// A whole number of đồng from JSON: a number (rounded) or a string of digits.
fn amount_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.round() as i64)),
        Value::String(s) => s.trim().replace(['.', ' '], "").parse().ok(),
        _ => None,
    }
}

fn text<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    data.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn time_in(data: &Value, key: &str) -> Option<DateTime<Utc>> {
    text(data, key).and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc))
}

/// What one notice says beyond the common frame.
struct Content {
    /// After "Hồ sơ …:" in the subject.
    headline: &'static str,
    /// The opening paragraph.
    intro: String,
    /// Detail lines after the dossier's identification.
    details: Vec<String>,
    /// What the applicant must do next.
    next: String,
}

/// The e-mail telling the applicant about `notice`; `None` for actions inside the agency that
/// the applicant is not told about (assignment, a drafted result, a draft sent back).
pub fn dossier_notice(notice: &DossierNotice, public_url: &str) -> Option<Rendered> {
    let content = content(notice)?;
    let code = notice.dossier_code.as_deref();
    let subject = match code {
        Some(code) => format!("Hồ sơ {code}: {}", content.headline),
        None => format!("Hồ sơ của Ông/Bà: {}", content.headline),
    };
    let mut body = format!("Kính gửi Ông/Bà {},\n\n{}\n\n", notice.applicant_name.trim(), content.intro);
    body.push_str(&format!("Mã hồ sơ: {}\n", code.unwrap_or("(chưa cấp)")));
    body.push_str(&format!("Thủ tục: {}\n", notice.procedure_name));
    body.push_str(&format!("Trạng thái: {}\n", state_label(notice.to_state)));
    for line in &content.details {
        body.push_str(line);
        body.push('\n');
    }
    body.push_str(&format!("\nViệc cần làm: {}\n\n", content.next));
    body.push_str(&format!("Xem hồ sơ: {}/dossiers/{}\n\n", public_url.trim_end_matches('/'), notice.dossier_id));
    body.push_str(SIGNATURE);
    Some(Rendered { subject, body })
}

fn reason_line(data: &Value, label: &str) -> Option<String> {
    text(data, "reason").map(|reason| format!("{label}: {reason}"))
}

fn content(notice: &DossierNotice) -> Option<Content> {
    let data = &notice.data;
    let nothing = NOTHING_TO_DO.to_owned();
    let content = match notice.action {
        // Inside the agency: the applicant sees the outcome, not the hand-overs.
        Action::Assign | Action::ProposeResult | Action::SendBack => return None,
        Action::Submit => Content {
            headline: "đã nộp thành công",
            intro: "Hồ sơ của Ông/Bà đã được nộp trực tuyến thành công và đang chờ Bộ phận Một cửa kiểm tra, \
                    tiếp nhận."
                .to_owned(),
            details: Vec::new(),
            next: format!(
                "{nothing} Khi hồ sơ được tiếp nhận, Ông/Bà sẽ nhận được Giấy tiếp nhận hồ sơ và hẹn trả kết quả \
                 qua thư điện tử."
            ),
        },
        Action::Receive => Content {
            headline: "đã được tiếp nhận",
            intro: "Bộ phận Một cửa đã tiếp nhận hồ sơ của Ông/Bà (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, \
                    Mẫu số 01)."
                .to_owned(),
            details: vec![match notice.due_at.or_else(|| time_in(data, "due_at")) {
                Some(due) => format!("Thời gian hẹn trả kết quả: {}", format_time(due)),
                None => "Thời gian hẹn trả kết quả: thủ tục không quy định thời hạn giải quyết; Ông/Bà sẽ được \
                         thông báo khi có kết quả."
                    .to_owned(),
            }],
            next: format!("{nothing} Ông/Bà sẽ nhận được thông báo qua thư điện tử khi hồ sơ có kết quả."),
        },
        Action::Refuse => Content {
            headline: "không được tiếp nhận",
            intro: "Hồ sơ của Ông/Bà không được tiếp nhận giải quyết (Phiếu từ chối tiếp nhận giải quyết hồ sơ, \
                    Mẫu số 03)."
                .to_owned(),
            details: reason_line(data, "Lý do")
                .into_iter()
                .chain(text(data, "legal_basis").map(|basis| format!("Căn cứ pháp lý: {basis}")))
                .collect(),
            next: "Nếu vẫn có nhu cầu, Ông/Bà vui lòng chuẩn bị lại hồ sơ theo lý do nêu trên và nộp hồ sơ mới."
                .to_owned(),
        },
        Action::RequestSupplement => {
            let mut details: Vec<String> = reason_line(data, "Lý do").into_iter().collect();
            let items: Vec<String> = data
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, item)| {
                    let description = text(item, "description").unwrap_or("(không có mô tả)");
                    match text(item, "document_key") {
                        Some(key) => format!("  {}. {description} (giấy tờ: {key})", i + 1),
                        None => format!("  {}. {description}", i + 1),
                    }
                })
                .collect();
            if !items.is_empty() {
                details.push("Nội dung cần bổ sung, hoàn thiện:".to_owned());
                details.extend(items);
            }
            details.push("Thời gian Ông/Bà bổ sung hồ sơ không tính vào thời hạn giải quyết.".to_owned());
            Content {
                headline: "cần bổ sung, hoàn thiện",
                intro: "Hồ sơ của Ông/Bà cần được bổ sung, hoàn thiện (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, \
                        Mẫu số 02)."
                    .to_owned(),
                details,
                next: "Ông/Bà vui lòng mở hồ sơ theo đường dẫn bên dưới, tải lên các giấy tờ còn thiếu hoặc đã \
                       sửa, rồi bấm «Bổ sung hồ sơ»."
                    .to_owned(),
            }
        }
        Action::Supplement => Content {
            headline: "đã nhận hồ sơ bổ sung",
            intro: "Cơ quan giải quyết đã nhận được phần bổ sung hồ sơ của Ông/Bà và tiếp tục giải quyết.".to_owned(),
            details: notice
                .due_at
                .map(|due| format!("Thời gian hẹn trả kết quả: {}", format_time(due)))
                .into_iter()
                .collect(),
            next: nothing,
        },
        Action::Approve | Action::Resolve => Content {
            headline: "đã có kết quả",
            intro: "Hồ sơ của Ông/Bà đã được giải quyết xong và đã có kết quả.".to_owned(),
            details: Vec::new(),
            next: format!(
                "{nothing} Kết quả sẽ được trả theo hình thức Ông/Bà đã đăng ký; Ông/Bà sẽ nhận được thông báo khi \
                 kết quả được trả."
            ),
        },
        Action::RequestPayment => {
            let fees: Vec<(String, Option<i64>)> = data
                .get("fees")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|fee| {
                    (text(fee, "name").unwrap_or("Phí, lệ phí").to_owned(), fee.get("amount").and_then(amount_of))
                })
                .collect();
            let mut details = vec!["Các khoản phải nộp:".to_owned()];
            for (name, amount) in &fees {
                let amount = amount.map_or_else(|| "(xem tại hồ sơ)".to_owned(), format_vnd);
                details.push(format!("  - {name}: {amount}"));
            }
            details.push(format!("Tổng cộng: {}", format_vnd(fees.iter().filter_map(|(_, a)| *a).sum())));
            details.push("Thời gian chờ nộp phí, lệ phí không tính vào thời hạn giải quyết.".to_owned());
            Content {
                headline: "cần nộp phí, lệ phí",
                intro: "Để tiếp tục giải quyết hồ sơ, Ông/Bà cần nộp phí, lệ phí theo quy định.".to_owned(),
                details,
                next: "Ông/Bà vui lòng thanh toán trực tuyến tại trang hồ sơ (đường dẫn bên dưới), hoặc nộp trực \
                       tiếp tại Bộ phận Một cửa."
                    .to_owned(),
            }
        }
        Action::ConfirmPayment => Content {
            headline: "đã nhận phí, lệ phí",
            intro: match text(data, "method") {
                Some("cash") => "Bộ phận Một cửa đã nhận phí, lệ phí Ông/Bà nộp trực tiếp.".to_owned(),
                _ => "Cơ quan giải quyết đã nhận khoản thanh toán trực tuyến phí, lệ phí của Ông/Bà.".to_owned(),
            },
            details: text(data, "reference").map(|r| format!("Mã giao dịch: {r}")).into_iter().collect(),
            next: nothing,
        },
        Action::ReturnResult => Content {
            headline: "đã trả kết quả",
            intro: match text(data, "method") {
                Some("desk") => "Kết quả giải quyết hồ sơ đã được trả cho Ông/Bà tại Bộ phận Một cửa.".to_owned(),
                Some("post") => "Kết quả giải quyết hồ sơ đã được gửi qua dịch vụ bưu chính công ích đến địa chỉ \
                                 Ông/Bà đã đăng ký."
                    .to_owned(),
                _ => "Kết quả giải quyết hồ sơ đã được trả dưới dạng điện tử; Ông/Bà có thể tải về tại trang hồ sơ \
                      (đường dẫn bên dưới)."
                    .to_owned(),
            },
            details: Vec::new(),
            next: format!("{nothing} Mời Ông/Bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ tại trang hồ sơ."),
        },
        Action::Stop => Content {
            headline: "dừng giải quyết",
            intro: "Cơ quan có thẩm quyền thông báo dừng giải quyết hồ sơ của Ông/Bà (Thông báo dừng giải quyết \
                    hồ sơ)."
                .to_owned(),
            details: reason_line(data, "Lý do").into_iter().collect(),
            next: format!("{nothing} Nếu có thắc mắc, Ông/Bà vui lòng liên hệ Bộ phận Một cửa."),
        },
        Action::Apologize => {
            let mut details: Vec<String> = reason_line(data, "Lý do chậm trả kết quả").into_iter().collect();
            if let Some(due) = time_in(data, "new_due_at").or(notice.due_at) {
                details.push(format!("Thời gian hẹn trả kết quả mới: {}", format_time(due)));
            }
            Content {
                headline: "xin lỗi và hẹn lại ngày trả kết quả",
                intro: "Cơ quan giải quyết thành thật xin lỗi Ông/Bà vì hồ sơ không thể được giải quyết đúng thời \
                        hạn đã hẹn (Phiếu xin lỗi và hẹn lại ngày trả kết quả, Mẫu số 04)."
                    .to_owned(),
                details,
                next: nothing,
            }
        }
        Action::Withdraw => Content {
            headline: "đã rút hồ sơ",
            intro: "Hồ sơ đã được rút theo yêu cầu của Ông/Bà và sẽ không được giải quyết tiếp.".to_owned(),
            details: reason_line(data, "Lý do").into_iter().collect(),
            next: format!("{nothing} Khi có nhu cầu, Ông/Bà có thể nộp hồ sơ mới."),
        },
        Action::Rate => Content {
            headline: "cảm ơn Ông/Bà đã đánh giá",
            intro: "Cảm ơn Ông/Bà đã đánh giá mức độ hài lòng về việc giải quyết hồ sơ. Ý kiến của Ông/Bà giúp \
                    chúng tôi phục vụ người dân, doanh nghiệp tốt hơn."
                .to_owned(),
            details: Vec::new(),
            next: nothing,
        },
    };
    Some(content)
}

/// The reminder to an agency's leaders about `dossier`.
pub fn reminder(kind: ReminderKind, dossier: &DueDossier, public_url: &str) -> Rendered {
    let code = dossier.code.as_deref().unwrap_or("(chưa cấp mã)");
    let due = format_time(dossier.due_at);
    let (subject, paragraph) = match kind {
        ReminderKind::Overdue => (
            format!("[Quá hạn] Hồ sơ {code}"),
            format!(
                "Hồ sơ {code} đã quá hạn giải quyết: thời gian hẹn trả kết quả là {due}.\n\
                 Đề nghị chỉ đạo giải quyết ngay; nếu chưa gửi Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu số 04) \
                 cho công dân, cần gửi ngay."
            ),
        ),
        ReminderKind::DueSoon => (
            format!("[Sắp đến hạn] Hồ sơ {code}"),
            format!(
                "Hồ sơ {code} sắp đến hạn trả kết quả ({due}).\n\
                 Nếu không thể trả kết quả đúng hạn, cần xin lỗi và hẹn lại ngày trả kết quả (Mẫu số 04) với công dân \
                 trước thời hạn này."
            ),
        ),
    };
    let body = format!(
        "Kính gửi Lãnh đạo cơ quan {agency},\n\n{paragraph}\n\nTrạng thái: {state}\n\nXem hồ sơ: {url}/dossiers/{id}\n\n\
         (Thư nhắc việc tự động của Cổng dịch vụ công; mỗi hồ sơ chỉ được nhắc một lần cho mỗi loại.)\n",
        agency = dossier.agency_code,
        state = state_label(dossier.state),
        url = public_url.trim_end_matches('/'),
        id = dossier.id,
    );
    Rendered { subject, body }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    const URL: &str = "https://dichvucong.example.gov.vn";

    fn notice(action: Action, to_state: DossierState, data: Value) -> DossierNotice {
        DossierNotice {
            to: "an@example.vn".to_owned(),
            applicant_name: "Nguyễn Thị Ánh".to_owned(),
            dossier_id: Uuid::nil(),
            dossier_code: Some("000.17.22.H56-261129-0001".to_owned()),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".to_owned(),
            action,
            to_state,
            // 02/12/2026 10:30 in Hà Nội.
            due_at: Some(Utc.with_ymd_and_hms(2026, 12, 2, 3, 30, 0).unwrap()),
            data,
        }
    }

    fn render(action: Action, to_state: DossierState, data: Value) -> Rendered {
        dossier_notice(&notice(action, to_state, data), URL).expect("a notice for the applicant")
    }

    #[test]
    fn times_are_shown_in_vietnam() {
        assert_eq!(format_time(Utc.with_ymd_and_hms(2026, 12, 2, 3, 30, 0).unwrap()), "10:30 ngày 02/12/2026");
        assert_eq!(format_time(Utc.with_ymd_and_hms(2026, 12, 31, 17, 5, 0).unwrap()), "00:05 ngày 01/01/2027");
    }

    #[test]
    fn amounts_are_grouped_by_thousands_with_dots() {
        let cases =
            [(0, "0 đ"), (500, "500 đ"), (50_000, "50.000 đ"), (1_234_567, "1.234.567 đ"), (-8_000, "-8.000 đ")];
        for (amount, expected) in cases {
            assert_eq!(format_vnd(amount), expected);
        }
    }

    #[test]
    fn every_notice_names_the_dossier_its_state_the_next_step_and_the_link() {
        for action in Action::ALL {
            let to_state = DossierState::InProgress;
            let Some(mail) = dossier_notice(&notice(action, to_state, json!({})), URL) else { continue };
            assert!(mail.subject.contains("000.17.22.H56-261129-0001"), "{action:?}: {}", mail.subject);
            assert!(mail.body.starts_with("Kính gửi Ông/Bà Nguyễn Thị Ánh,"), "{action:?}");
            assert!(mail.body.contains("Mã hồ sơ: 000.17.22.H56-261129-0001"), "{action:?}");
            assert!(mail.body.contains("Trạng thái: Đang giải quyết"), "{action:?}");
            assert!(mail.body.contains("Việc cần làm: "), "{action:?}");
            assert!(mail.body.contains(&format!("{URL}/dossiers/00000000-0000-0000-0000-000000000000")), "{action:?}");
        }
    }

    #[test]
    fn actions_inside_the_agency_are_not_mailed_to_the_applicant() {
        for action in [Action::Assign, Action::ProposeResult, Action::SendBack] {
            assert_eq!(dossier_notice(&notice(action, DossierState::InProgress, json!({})), URL), None);
        }
        let mailed = Action::ALL
            .iter()
            .filter(|a| dossier_notice(&notice(**a, DossierState::InProgress, json!({})), URL).is_some());
        assert_eq!(mailed.count(), Action::ALL.len() - 3);
    }

    #[test]
    fn the_submission_notice_says_nothing_more_is_needed() {
        let mail = render(Action::Submit, DossierState::Submitted, json!({"channel": "online"}));
        assert_eq!(mail.subject, "Hồ sơ 000.17.22.H56-261129-0001: đã nộp thành công");
        assert!(mail.body.contains("Trạng thái: Đã nộp, chờ tiếp nhận"));
        assert!(mail.body.contains("Việc cần làm: Ông/Bà không cần làm gì thêm."));
    }

    #[test]
    fn the_reception_notice_carries_the_appointment_time() {
        let mail = render(Action::Receive, DossierState::Received, json!({}));
        assert!(mail.body.contains("Mẫu số 01"));
        assert!(mail.body.contains("Thời gian hẹn trả kết quả: 10:30 ngày 02/12/2026"), "{}", mail.body);
        let mut open_ended = notice(Action::Receive, DossierState::Received, json!({"due_at": null}));
        open_ended.due_at = None;
        let mail = dossier_notice(&open_ended, URL).unwrap();
        assert!(mail.body.contains("không quy định thời hạn"));
    }

    #[test]
    fn a_refusal_gives_the_reason_and_the_legal_basis() {
        let mail = render(
            Action::Refuse,
            DossierState::Refused,
            json!({"reason": "Không thuộc thẩm quyền", "legal_basis": "Điều 18 NĐ 118/2025"}),
        );
        assert!(mail.body.contains("Mẫu số 03"));
        assert!(mail.body.contains("Lý do: Không thuộc thẩm quyền"));
        assert!(mail.body.contains("Căn cứ pháp lý: Điều 18 NĐ 118/2025"));
        assert!(mail.body.contains("Trạng thái: Không được tiếp nhận"));
    }

    #[test]
    fn a_supplement_request_lists_the_items_and_says_how_to_supplement() {
        let mail = render(
            Action::RequestSupplement,
            DossierState::AwaitingSupplement,
            json!({"reason": "Tờ khai thiếu chữ ký", "items": [
                {"document_key": "to_khai", "description": "Tờ khai có chữ ký"},
                {"description": "Bản sao CCCD"}]}),
        );
        assert!(mail.body.contains("Mẫu số 02"));
        assert!(mail.body.contains("Lý do: Tờ khai thiếu chữ ký"));
        assert!(mail.body.contains("  1. Tờ khai có chữ ký (giấy tờ: to_khai)"));
        assert!(mail.body.contains("  2. Bản sao CCCD"));
        assert!(mail.body.contains("tải lên"));
        assert!(mail.body.contains("«Bổ sung hồ sơ»"));
        assert!(mail.body.contains("Trạng thái: Chờ bổ sung, hoàn thiện hồ sơ"));
    }

    #[test]
    fn a_payment_request_lists_the_fees_and_their_total_in_dong() {
        let mail = render(
            Action::RequestPayment,
            DossierState::AwaitingPayment,
            json!({"fees": [{"name": "Lệ phí hộ tịch", "amount": 50000}, {"name": "Phí sao y", "amount": "3000"}]}),
        );
        assert!(mail.body.contains("  - Lệ phí hộ tịch: 50.000 đ"), "{}", mail.body);
        assert!(mail.body.contains("  - Phí sao y: 3.000 đ"));
        assert!(mail.body.contains("Tổng cộng: 53.000 đ"));
        assert!(mail.body.contains("thanh toán trực tuyến"));
    }

    #[test]
    fn an_apology_gives_the_reason_and_the_new_appointment() {
        let mail = render(
            Action::Apologize,
            DossierState::InProgress,
            json!({"reason": "Cần xác minh thêm", "new_due_at": "2026-12-09T16:00:00+07:00"}),
        );
        assert!(mail.body.contains("Mẫu số 04"));
        assert!(mail.body.contains("Lý do chậm trả kết quả: Cần xác minh thêm"));
        assert!(mail.body.contains("Thời gian hẹn trả kết quả mới: 16:00 ngày 09/12/2026"));
        assert!(mail.body.contains(NOTHING_TO_DO));
    }

    #[test]
    fn results_stops_withdrawals_and_ratings_have_their_own_words() {
        let cases = [
            (Action::Approve, DossierState::Resolved, json!({}), "đã có kết quả"),
            (Action::Resolve, DossierState::Resolved, json!({}), "Trạng thái: Đã có kết quả"),
            (Action::ReturnResult, DossierState::Returned, json!({"method": "post"}), "bưu chính công ích"),
            (Action::ReturnResult, DossierState::Returned, json!({"method": "online"}), "dạng điện tử"),
            (Action::Stop, DossierState::Stopped, json!({"reason": "Công dân đề nghị"}), "Lý do: Công dân đề nghị"),
            (Action::Withdraw, DossierState::Withdrawn, json!({"reason": "nộp nhầm"}), "Lý do: nộp nhầm"),
            (
                Action::ConfirmPayment,
                DossierState::InProgress,
                json!({"method": "online", "reference": "PG-1"}),
                "Mã giao dịch: PG-1",
            ),
            (Action::Supplement, DossierState::InProgress, json!({}), "đã nhận được phần bổ sung"),
            (Action::Rate, DossierState::Returned, json!({"score": "satisfied"}), "Cảm ơn Ông/Bà"),
        ];
        for (action, state, data, expected) in cases {
            let mail = render(action, state, data);
            assert!(mail.body.contains(expected), "{action:?} should say {expected:?}:\n{}", mail.body);
        }
    }

    #[test]
    fn reminders_name_the_dossier_and_the_deadline() {
        let dossier = DueDossier {
            id: Uuid::nil(),
            code: Some("000.17.22.H56-261129-0001".to_owned()),
            agency_code: "000.17.22.H56".to_owned(),
            state: DossierState::InProgress,
            due_at: Utc.with_ymd_and_hms(2026, 12, 2, 3, 30, 0).unwrap(),
        };
        let overdue = reminder(ReminderKind::Overdue, &dossier, URL);
        assert_eq!(overdue.subject, "[Quá hạn] Hồ sơ 000.17.22.H56-261129-0001");
        assert!(overdue.body.contains("quá hạn giải quyết: thời gian hẹn trả kết quả là 10:30 ngày 02/12/2026"));
        let soon = reminder(ReminderKind::DueSoon, &dossier, URL);
        assert!(soon.subject.starts_with("[Sắp đến hạn]"));
        assert!(soon.body.contains("Mẫu số 04"));
        assert!(soon.body.contains(&format!("{URL}/dossiers/{}", Uuid::nil())));
    }
}
