//! Reading procedures in the national TTHC database's JSON shape (the `LayThuTuc` record,
//! DOMAIN.md §5.1) into catalogue procedures, without I/O; and what differs between two
//! versions of a procedure, for the import's report.
//!
//! # Implementation Notes
//! The national record says nothing about what only this portal knows: the form schema, the
//! accepted file types and sizes, whether a leader approves, the validity dates. A record that
//! updates an existing procedure keeps those; a new one gets the defaults below. Numbers arrive
//! as JSON numbers or as text ("20.000"), so values are read leniently and every failure names
//! its path in the national record (`CACHTHUCTHUCHIEN[1].THOIGIAN[0].DONVITINH`).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::procedure_domain::{
    fold_vietnamese, ChannelOverrides, ChannelTerms, Fee, OnlineLevel, Procedure, ProcedureResult, RequiredDocument,
};
use crate::calendar::domain::{ProcessingTime, TimeUnit};
use crate::domain_types::Invalid;

/// Media types a newly imported document accepts (the national record lists none).
pub const DEFAULT_ACCEPTED_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];
/// Largest file a newly imported document accepts: 10 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 10_485_760;
/// Name of a fee line whose record gives no description.
const DEFAULT_FEE_NAME: &str = "Phí, lệ phí";
/// Longest fee or document name kept, in characters (the catalogue's limit).
const MAX_NAME_CHARS: usize = 500;

/// Where the imported procedures' agencies come from.
#[derive(Debug, Clone, Default)]
pub struct AgencyMapping {
    /// Folded agency names (`COQUANTHUCHIEN[].TENDONVI`) and national unit codes (`MADONVI`) to
    /// local agency codes.
    names: HashMap<String, String>,
    /// The agency of a new procedure whose performing units map to none.
    pub default_agency: Option<String>,
}

impl AgencyMapping {
    /// A mapping from national unit names or codes to local agency codes, with a default.
    pub fn new(names: impl IntoIterator<Item = (String, String)>, default_agency: Option<String>) -> Self {
        let names = names.into_iter().map(|(name, code)| (fold_vietnamese(&name), code.trim().to_owned())).collect();
        Self { names, default_agency: default_agency.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()) }
    }

    fn find(&self, name_or_code: &str) -> Option<&String> {
        self.names.get(&fold_vietnamese(name_or_code))
    }
}

/// Text at `key`: a string, or a number written out; `None` when absent or blank.
fn text(record: &Value, key: &str) -> Option<String> {
    match record.get(key)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The array at `key`; absent or null reads as empty, anything else is an error.
fn array<'a>(record: &'a Value, key: &str, path: &str, errors: &mut Vec<Invalid>) -> &'a [Value] {
    match record.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(Invalid::new(format!("{path}{key}"), "must be an array"));
            &[]
        }
    }
}

/// A whole number written as a JSON number or as text with thousands separators ("20.000",
/// "1,500,000", "20 000 đồng"); `None` when the text holds no digits at all.
fn whole_number(raw: &str) -> Option<Result<i64, ()>> {
    let trimmed = raw.trim().trim_end_matches(|c: char| c.is_alphabetic() || c.is_whitespace());
    if !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = trimmed.chars().filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}')).collect();
    Some(digits.parse::<i64>().map_err(|_| ()))
}

/// The national `DONVITINH` of a processing time to our unit.
fn time_unit(name: &str) -> Option<TimeUnit> {
    match fold_vietnamese(name).as_str() {
        "ngay lam viec" => Some(TimeUnit::WorkingDays),
        "ngay" | "ngay ke tu ngay nhan du ho so" => Some(TimeUnit::CalendarDays),
        "gio lam viec" | "gio" => Some(TimeUnit::WorkingHours),
        "trong ngay" => Some(TimeUnit::SameDay),
        _ => None,
    }
}

fn truncated(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// A `snake_case` document key from a code or a name: folded, `[a-z0-9_]`, at most 64 bytes,
/// cut at a word boundary.
pub fn document_key(source: &str) -> String {
    let folded = fold_vietnamese(source);
    let mut key = String::new();
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let extra = if key.is_empty() { word.len() } else { word.len() + 1 };
        if key.len() + extra > 64 {
            break;
        }
        if !key.is_empty() {
            key.push('_');
        }
        key.push_str(word);
    }
    key
}

/// The time and fees one `CACHTHUCTHUCHIEN` entry gives its channel.
#[derive(Debug, Clone, PartialEq)]
struct Terms {
    time: Option<ProcessingTime>,
    fees: Vec<Fee>,
}

fn read_fee(fee: &Value, path: &str, errors: &mut Vec<Invalid>) -> Fee {
    let description = text(fee, "MOTA");
    let amount_text = text(fee, "SOTIEN");
    let (amount_vnd, unparsed) = match amount_text.as_deref().map(|t| (t, whole_number(t))) {
        None => (None, None),
        Some((_, Some(Ok(n)))) if n >= 0 => (Some(n), None),
        Some((_, Some(_))) => {
            errors.push(Invalid::new(format!("{path}SOTIEN"), "must be an amount in đồng, 0 or more"));
            (None, None)
        }
        // "Theo quy định của HĐND tỉnh": no fixed amount; keep the words as the note.
        Some((t, None)) => (None, Some(t.to_owned())),
    };
    let name = description.as_deref().map_or_else(|| DEFAULT_FEE_NAME.to_owned(), |d| truncated(d, MAX_NAME_CHARS));
    let note = match (unparsed, description) {
        (Some(words), _) => Some(words),
        (None, Some(d)) if d.chars().count() > MAX_NAME_CHARS => Some(d),
        _ => None,
    };
    Fee { name, amount_vnd, note }
}

fn read_terms(entry: &Value, path: &str, errors: &mut Vec<Invalid>) -> Terms {
    let times = array(entry, "THOIGIAN", path, errors);
    // A record may list several times for sub-cases; the first is the general case.
    let Some(first) = times.first() else { return Terms { time: None, fees: Vec::new() } };
    let path = format!("{path}THOIGIAN[0].");
    let unit_name = text(first, "DONVITINH");
    let unit = match unit_name.clone() {
        None => None,
        Some(name) => match time_unit(&name) {
            Some(unit) => Some(unit),
            None => {
                errors.push(Invalid::new(
                    format!("{path}DONVITINH"),
                    format!("unknown unit {name:?}: expected Ngày làm việc, Ngày, Giờ làm việc or Trong ngày"),
                ));
                None
            }
        },
    };
    // Strict, unlike amounts: "2,5" days is a decimal, not twenty-five.
    let value = match text(first, "THOIGIANGIAIQUYET") {
        None => None,
        Some(t) => match t.replace(',', ".").parse::<f64>() {
            Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just above
                Some(v as u32)
            }
            _ => {
                errors.push(Invalid::new(
                    format!("{path}THOIGIANGIAIQUYET"),
                    format!("{t:?} is not a whole number of units, 0 or more"),
                ));
                None
            }
        },
    };
    let time = match (value, unit) {
        (_, Some(TimeUnit::SameDay)) => Some(ProcessingTime::same_day()),
        // "0 ngày" and the like mean no fixed time in the national data.
        (Some(0) | None, _) => None,
        (Some(value), Some(unit)) => Some(ProcessingTime { value, unit }),
        // An unknown unit is already reported.
        (Some(_), None) if unit_name.is_some() => None,
        (Some(_), None) => {
            errors.push(Invalid::new(format!("{path}DONVITINH"), "is required with THOIGIANGIAIQUYET"));
            None
        }
    };
    let fees = array(first, "PHILEPHI", &path, errors)
        .iter()
        .enumerate()
        .map(|(i, fee)| read_fee(fee, &format!("{path}PHILEPHI[{i}]."), errors))
        .collect();
    Terms { time, fees }
}

fn channel_code(entry: &Value) -> Option<u8> {
    text(entry, "KENH").and_then(|k| k.parse::<u8>().ok()).filter(|k| (1..=3).contains(k))
}

fn read_channels(record: &Value, errors: &mut Vec<Invalid>) -> HashMap<u8, Terms> {
    let mut channels = HashMap::new();
    for (i, entry) in array(record, "CACHTHUCTHUCHIEN", "", errors).iter().enumerate() {
        let path = format!("CACHTHUCTHUCHIEN[{i}].");
        let Some(kenh) = channel_code(entry) else {
            errors.push(Invalid::new(format!("{path}KENH"), "must be 1 (trực tiếp), 2 (trực tuyến) or 3 (bưu chính)"));
            continue;
        };
        let terms = read_terms(entry, &path, errors);
        if channels.insert(kenh, terms).is_some() {
            errors.push(Invalid::new(format!("{path}KENH"), format!("channel {kenh} is listed twice")));
        }
    }
    channels
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match fold_vietnamese(s).as_str() {
            "1" | "true" | "co" | "x" => Some(true),
            "0" | "false" | "khong" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn read_documents(record: &Value, existing: Option<&Procedure>, errors: &mut Vec<Invalid>) -> Vec<RequiredDocument> {
    let groups = array(record, "THANHPHANHOSO", "", errors);
    // Several groups are alternative cases (TRUONGHOP): a document of one case cannot be
    // mandatory for all, unless the record says so.
    let alternatives = groups.len() > 1;
    let mut keys = HashSet::new();
    let mut documents = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let group_path = format!("THANHPHANHOSO[{g}].");
        for (d, doc) in array(group, "GIAYTO", &group_path, errors).iter().enumerate() {
            let path = format!("{group_path}GIAYTO[{d}].");
            let Some(name) = text(doc, "TENGIAYTO").or_else(|| text(doc, "TENMAUDON")) else {
                errors.push(Invalid::new(format!("{path}TENGIAYTO"), "the document needs a name"));
                continue;
            };
            // The national code is stable across renames, so dossiers keep their attachments.
            let key = text(doc, "MAGIAYTO").map(|c| document_key(&c)).filter(|k| !k.is_empty());
            let key = key.unwrap_or_else(|| document_key(&name));
            if key.is_empty() {
                errors.push(Invalid::new(format!("{path}TENGIAYTO"), "gives no usable document key"));
                continue;
            }
            if !keys.insert(key.clone()) {
                // The same document in another case: listed once.
                continue;
            }
            let mandatory = doc.get("BATBUOC").and_then(truthy).unwrap_or(!alternatives);
            let template_url = text(doc, "URL").filter(|u| u.starts_with("https://") || u.starts_with("http://"));
            let kept = existing.and_then(|p| p.documents.iter().find(|old| old.key == key));
            documents.push(RequiredDocument {
                key,
                name: truncated(&name, MAX_NAME_CHARS),
                mandatory,
                accepted_types: kept.map_or_else(
                    || DEFAULT_ACCEPTED_TYPES.iter().map(|t| (*t).to_owned()).collect(),
                    |d| d.accepted_types.clone(),
                ),
                max_bytes: kept.map_or(DEFAULT_MAX_BYTES, |d| d.max_bytes),
                template_url,
            });
        }
    }
    documents
}

fn read_online_level(record: &Value, has_online: bool) -> Option<OnlineLevel> {
    let level = text(record, "MUCDO")?;
    Some(match fold_vietnamese(&level).as_str() {
        "4" | "toan trinh" | "dvctt toan trinh" => OnlineLevel::Full,
        "3" | "mot phan" | "dvctt mot phan" => OnlineLevel::Partial,
        _ if has_online => OnlineLevel::Partial,
        _ => OnlineLevel::None,
    })
}

fn read_agencies(
    record: &Value,
    existing: Option<&Procedure>,
    map: &AgencyMapping,
    errors: &mut Vec<Invalid>,
) -> Vec<String> {
    let units = array(record, "COQUANTHUCHIEN", "", errors);
    let mut mapped: Vec<String> = Vec::new();
    let mut unmapped: Vec<String> = Vec::new();
    for unit in units {
        let found = text(unit, "MADONVI")
            .and_then(|code| map.find(&code))
            .or_else(|| text(unit, "TENDONVI").and_then(|name| map.find(&name)));
        match found {
            Some(code) if !mapped.contains(code) => mapped.push(code.clone()),
            Some(_) => {}
            None => unmapped.extend(text(unit, "TENDONVI")),
        }
    }
    if !mapped.is_empty() {
        return mapped;
    }
    if let Some(p) = existing {
        return p.agencies.clone();
    }
    if let Some(default) = &map.default_agency {
        return vec![default.clone()];
    }
    let names = if unmapped.is_empty() { "none given".to_owned() } else { unmapped.join("; ") };
    errors.push(Invalid::new(
        "COQUANTHUCHIEN",
        format!("no performing unit maps to a local agency ({names}); give a mapping or a default agency"),
    ));
    Vec::new()
}

/// The catalogue procedure a national record describes, or every problem found, each naming its
/// path in the record. `existing` is the stored procedure with the same code: what the record
/// cannot say is kept from it. The result still has to pass [`Procedure::validated`].
///
/// # Errors
/// The list of [`Invalid`] fields of the record.
pub fn procedure_from_record(
    record: &Value,
    existing: Option<&Procedure>,
    map: &AgencyMapping,
) -> Result<Procedure, Vec<Invalid>> {
    let mut errors = Vec::new();
    if !record.is_object() {
        return Err(vec![Invalid::new("", "must be a JSON object (a LayThuTuc record)")]);
    }
    let code = text(record, "MATTHC").or_else(|| text(record, "MaTTHC")).or_else(|| text(record, "MAHOSO"));
    let code = code.unwrap_or_else(|| {
        errors.push(Invalid::new("MATTHC", "the national procedure code is required"));
        String::new()
    });
    let name = text(record, "TENTTHC").unwrap_or_else(|| {
        errors.push(Invalid::new("TENTTHC", "the procedure name is required"));
        String::new()
    });
    let fields = array(record, "LINHVUCTHUCHIEN", "", &mut errors);
    let field = fields.first().and_then(|f| text(f, "TENLINHVUC")).unwrap_or_else(|| {
        errors.push(Invalid::new("LINHVUCTHUCHIEN[0].TENLINHVUC", "the field (lĩnh vực) is required"));
        String::new()
    });
    let channels = read_channels(record, &mut errors);
    // The desk's terms are the procedure's own; other channels differ from them, if at all.
    let base_kenh = [1, 2, 3].into_iter().find(|k| channels.contains_key(k));
    let base = base_kenh.and_then(|k| channels.get(&k)).cloned().unwrap_or(Terms { time: None, fees: Vec::new() });
    let differing = |kenh: u8| {
        channels.get(&kenh).filter(|_| Some(kenh) != base_kenh).map(|terms| ChannelTerms {
            processing_time: terms.time.filter(|t| Some(*t) != base.time),
            fees: Some(terms.fees.clone()).filter(|f| *f != base.fees),
        })
    };
    let channel_overrides = ChannelOverrides { direct: differing(1), online: differing(2), postal: differing(3) };
    let has_online = channels.contains_key(&2);
    let (online_level, eligible_full_online) = match (read_online_level(record, has_online), existing) {
        (Some(level), _) => (level, level == OnlineLevel::Full),
        (None, Some(p)) => (p.online_level, p.eligible_full_online),
        (None, None) if has_online => (OnlineLevel::Partial, false),
        (None, None) => (OnlineLevel::None, false),
    };
    let documents = read_documents(record, existing, &mut errors);
    let results: Vec<String> =
        array(record, "KETQUATHUCHIEN", "", &mut errors).iter().filter_map(|r| text(r, "TENKETQUA")).collect();
    let legal_basis = array(record, "CANCUPHAPLY", "", &mut errors)
        .iter()
        .filter_map(|law| match (text(law, "SOVANBAN"), text(law, "TENVANBAN")) {
            (Some(number), Some(title)) if !title.contains(&number) => Some(format!("{number} {title}")),
            (_, Some(title)) => Some(title),
            (Some(number), None) => Some(number),
            (None, None) => None,
        })
        .map(|law| truncated(&law, MAX_NAME_CHARS))
        .collect();
    let agencies = read_agencies(record, existing, map, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Procedure {
        code,
        name,
        field,
        online_level,
        eligible_full_online,
        approval_required: existing.is_none_or(|p| p.approval_required),
        processing_time: base.time,
        fees: base.fees,
        documents,
        result: ProcedureResult {
            is_document: !results.is_empty() || existing.is_some_and(|p| p.result.is_document),
            name: Some(truncated(&results.join("; "), MAX_NAME_CHARS)).filter(|n| !n.is_empty()),
        },
        form_schema: existing.map_or_else(|| json!({"type": "object", "properties": {}}), |p| p.form_schema.clone()),
        legal_basis,
        valid_from: existing.and_then(|p| p.valid_from),
        valid_to: existing.and_then(|p| p.valid_to),
        agencies,
        channel_overrides,
    })
}

/// The names of the attributes in which `new` differs from `old`, in the order of the API's
/// procedure fields.
pub fn changed_fields(old: &Procedure, new: &Procedure) -> Vec<&'static str> {
    let checks: [(&'static str, bool); 15] = [
        ("name", old.name != new.name),
        ("field", old.field != new.field),
        ("online_level", old.online_level != new.online_level),
        ("eligible_full_online", old.eligible_full_online != new.eligible_full_online),
        ("approval_required", old.approval_required != new.approval_required),
        ("processing_time", old.processing_time != new.processing_time),
        ("fees", old.fees != new.fees),
        ("documents", old.documents != new.documents),
        ("agencies", old.agencies != new.agencies),
        ("form_schema", old.form_schema != new.form_schema),
        ("result", old.result != new.result),
        ("legal_basis", old.legal_basis != new.legal_basis),
        ("valid_from", old.valid_from != new.valid_from),
        ("valid_to", old.valid_to != new.valid_to),
        ("channel_overrides", old.channel_overrides != new.channel_overrides),
    ];
    checks.into_iter().filter(|(_, differs)| *differs).map(|(name, _)| name).collect()
}

/// The records of an import file: a JSON array of `LayThuTuc` records, or an object carrying
/// them under `data`, `result` or `procedures` (as the national services wrap them).
///
/// # Errors
/// When the value is neither.
pub fn records_of(file: Value) -> Result<Vec<Value>, Invalid> {
    match file {
        Value::Array(records) => Ok(records),
        Value::Object(mut object) => ["procedures", "data", "result"]
            .iter()
            .find_map(|key| match object.remove(*key) {
                Some(Value::Array(records)) => Some(records),
                _ => None,
            })
            .ok_or_else(|| Invalid::new("body", "must be an array of national procedure records")),
        _ => Err(Invalid::new("body", "must be an array of national procedure records")),
    }
}

/// An agency mapping file: `{"<TENDONVI or MADONVI>": "<agency code>", …}`.
///
/// # Errors
/// When a value is not a string.
pub fn mapping_of(object: &Map<String, Value>) -> Result<Vec<(String, String)>, Invalid> {
    object
        .iter()
        .map(|(name, code)| match code {
            Value::String(code) => Ok((name.clone(), code.clone())),
            _ => Err(Invalid::new(format!("agency_map.{name}"), "must be an agency code")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn residence() -> Value {
        json!({
            "MATTHC": "1.004222",
            "TENTTHC": "Đăng ký thường trú",
            "LINHVUCTHUCHIEN": [{"MALINHVUC": "G07", "TENLINHVUC": "Đăng ký, quản lý cư trú"}],
            "CACHTHUCTHUCHIEN": [
                {"KENH": 1, "THOIGIAN": [{"THOIGIANGIAIQUYET": "7", "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [{"SOTIEN": "20.000", "DONVI": "Đồng", "MOTA": "Lệ phí đăng ký thường trú"}]}]},
                {"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": 7, "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [{"SOTIEN": 10000, "MOTA": "Lệ phí đăng ký thường trú"}]}]}
            ],
            "THANHPHANHOSO": [{"GIAYTO": [
                {"MAGIAYTO": "CT01", "TENGIAYTO": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
                {"TENGIAYTO": "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", "URL": "https://x.gov.vn/ct01.docx"}
            ]}],
            "KETQUATHUCHIEN": [{"MAKETQUA": "KQ1", "TENKETQUA": "Thông báo kết quả đăng ký cư trú"}],
            "CANCUPHAPLY": [{"SOVANBAN": "68/2020/QH14", "TENVANBAN": "Luật Cư trú"}],
            "COQUANTHUCHIEN": [{"TENDONVI": "Công an cấp xã"}]
        })
    }

    fn map() -> AgencyMapping {
        AgencyMapping::new([("CÔNG AN CẤP XÃ".to_owned(), "000.17.22.H56".to_owned())], None)
    }

    #[test]
    fn a_national_record_maps_to_a_procedure_with_per_channel_fees() {
        let Ok(p) = procedure_from_record(&residence(), None, &map()) else { panic!("maps") };
        assert_eq!(p.code, "1.004222");
        assert_eq!(p.field, "Đăng ký, quản lý cư trú");
        assert_eq!(p.processing_time, Some(ProcessingTime::working_days(7)));
        assert_eq!(
            p.fees,
            vec![Fee { name: "Lệ phí đăng ký thường trú".into(), amount_vnd: Some(20_000), note: None }]
        );
        let online = p.channel_overrides.online.clone().unwrap_or_default();
        assert_eq!(online.processing_time, None, "same time as the desk");
        assert_eq!(online.fees.as_ref().map(|f| f[0].amount_vnd), Some(Some(10_000)));
        assert_eq!(p.online_level, OnlineLevel::Partial);
        assert_eq!(p.documents[0].key, "ct01");
        assert_eq!(p.documents[1].key, "giay_to_tai_lieu_chung_minh_cho_o_hop_phap");
        assert_eq!(p.documents[1].template_url.as_deref(), Some("https://x.gov.vn/ct01.docx"));
        assert!(p.documents.iter().all(|d| d.mandatory), "one case: every document is required");
        assert_eq!(p.result.name.as_deref(), Some("Thông báo kết quả đăng ký cư trú"));
        assert_eq!(p.legal_basis, vec!["68/2020/QH14 Luật Cư trú"]);
        assert_eq!(p.agencies, vec!["000.17.22.H56"]);
        assert!(p.validated().is_ok());
    }

    #[test]
    fn the_units_of_the_national_data_map_to_ours() {
        let cases = [
            ("Ngày làm việc", 3, Some(ProcessingTime::working_days(3))),
            ("Ngày", 15, Some(ProcessingTime::calendar_days(15))),
            ("Giờ làm việc", 4, Some(ProcessingTime::working_hours(4))),
            ("Trong ngày", 0, Some(ProcessingTime::same_day())),
            ("NGÀY LÀM VIỆC", 0, None),
            ("Ngày làm việc", 7, Some(ProcessingTime::working_days(7))),
        ];
        for (unit, value, expected) in cases {
            let mut record = residence();
            record["CACHTHUCTHUCHIEN"] =
                json!([{"KENH": 1, "THOIGIAN": [{"THOIGIANGIAIQUYET": value, "DONVITINH": unit}]}]);
            let p = procedure_from_record(&record, None, &map());
            assert_eq!(p.map(|p| p.processing_time).ok(), Some(expected), "{unit}");
        }
    }

    #[test]
    fn every_problem_of_a_record_names_its_national_path() {
        let mut record = residence();
        record["TENTTHC"] = json!(" ");
        record["CACHTHUCTHUCHIEN"][1]["THOIGIAN"][0]["DONVITINH"] = json!("Tháng");
        record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["PHILEPHI"][0]["SOTIEN"] = json!("-5");
        record["COQUANTHUCHIEN"] = json!([{"TENDONVI": "Sở Tư pháp"}]);
        let Err(errors) = procedure_from_record(&record, None, &map()) else { panic!("fails") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "TENTTHC",
                "CACHTHUCTHUCHIEN[0].THOIGIAN[0].PHILEPHI[0].SOTIEN",
                "CACHTHUCTHUCHIEN[1].THOIGIAN[0].DONVITINH",
                "COQUANTHUCHIEN"
            ]
        );
    }

    #[test]
    fn an_update_keeps_what_only_the_portal_knows() {
        let Ok(mut stored) = procedure_from_record(&residence(), None, &map()) else { panic!("maps") };
        stored.form_schema = json!({"type": "object", "properties": {"dia_chi": {"type": "string"}}});
        stored.approval_required = false;
        stored.documents[0].max_bytes = 1024;
        stored.online_level = OnlineLevel::Full;
        let Ok(again) = procedure_from_record(&residence(), Some(&stored), &AgencyMapping::default()) else {
            panic!("maps")
        };
        assert_eq!(changed_fields(&stored, &again), Vec::<&str>::new());
        let mut renamed = residence();
        renamed["TENTTHC"] = json!("Đăng ký thường trú (sửa đổi)");
        let Ok(changed) = procedure_from_record(&renamed, Some(&stored), &map()) else { panic!("maps") };
        assert_eq!(changed_fields(&stored, &changed), vec!["name"]);
    }

    #[test]
    fn keys_are_folded_snake_case_cut_at_a_word() {
        assert_eq!(document_key("Giấy chứng sinh"), "giay_chung_sinh");
        assert_eq!(document_key("  Tờ khai (Mẫu CT01) "), "to_khai_mau_ct01");
        let long = document_key(&"Bản sao giấy tờ tùy thân ".repeat(10));
        assert!(long.len() <= 64 && !long.ends_with('_'), "{long}");
        assert_eq!(document_key("—"), "");
    }

    #[test]
    fn amounts_read_with_thousands_separators_or_not_at_all() {
        assert_eq!(whole_number("20.000"), Some(Ok(20_000)));
        assert_eq!(whole_number("1,500,000 đồng"), Some(Ok(1_500_000)));
        assert_eq!(whole_number("Theo quy định"), None);
    }
}
