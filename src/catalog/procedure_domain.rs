//! Procedure (thủ tục hành chính, TTHC) rules without I/O: the online service level (ND 42/2022,
//! DOMAIN.md §2.1), fee lines, required documents, the form schema check, and the Vietnamese
//! folding that makes search ignore diacritics and case.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use super::domain::AgencyLevel;
use crate::calendar::domain::{ProcessingTime, TimeUnit};
use crate::domain_types::{AgencyCode, Invalid, ProcedureCode};

/// Largest file a required document may accept: 100 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 104_857_600;

/// Largest processing-time value: far beyond any real procedure, and it keeps the value inside
/// the database's 32-bit integer column.
pub const MAX_PROCESSING_VALUE: u32 = 100_000;

/// Longest procedure or document name, in characters.
const MAX_NAME_CHARS: usize = 500;
/// Longest field (lĩnh vực) name, in characters.
const MAX_FIELD_CHARS: usize = 200;
/// Deepest nesting of property schemas accepted in a form schema.
const MAX_SCHEMA_DEPTH: usize = 16;
/// The JSON Schema `type` names a form property may use.
const SCHEMA_TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "object", "array"];

/// Online service level of a procedure (ND 42/2022 Điều 11 k1, DOMAIN.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// DVCTT toàn trình: filed and handled entirely online.
    Full,
    /// DVCTT một phần: some step needs the citizen in person.
    Partial,
    /// Not offered online (information only).
    None,
}

impl OnlineLevel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::None => "none",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(Self::Full),
            "partial" => Some(Self::Partial),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// One fee or charge line (lệ phí, phí) of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// What the fee is for, e.g. "Lệ phí đăng ký khai sinh không đúng hạn".
    pub name: String,
    /// Amount in đồng; `null` when it is not fixed nationally (e.g. set by the provincial council).
    #[serde(default)]
    pub amount_vnd: Option<i64>,
    /// Exemptions, legal source or how the amount is set.
    #[serde(default)]
    pub note: Option<String>,
}

/// A document the applicant must (or may) attach (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    /// Stable key the upload names, snake_case `[a-z0-9_]{1,64}`, unique within the procedure.
    #[schema(example = "giay_chung_sinh")]
    pub key: String,
    /// Name shown to the applicant.
    pub name: String,
    /// Whether the dossier cannot be submitted without it.
    pub mandatory: bool,
    /// Accepted media types, `type/subtype`, e.g. `["application/pdf", "image/jpeg"]`.
    pub accepted_types: Vec<String>,
    /// Largest accepted file, 1–104857600 bytes.
    #[schema(example = 10_485_760)]
    pub max_bytes: u64,
    /// Link to the blank form (mẫu đơn, tờ khai), if there is one.
    #[serde(default)]
    pub template_url: Option<String>,
}

/// What the procedure issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureResult {
    /// Whether the result is a document (giấy tờ) that can be issued electronically.
    pub is_document: bool,
    /// Its name, e.g. "Giấy khai sinh (bản chính)".
    #[serde(default)]
    pub name: Option<String>,
}

/// A channel's own processing time and fees, where they differ from the procedure's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelTerms {
    /// The maximum processing time on this channel; absent: the procedure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::procedure_http::ProcedureProcessingTime>)]
    pub processing_time: Option<ProcessingTime>,
    /// The fee lines on this channel; absent: the procedure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<Vec<Fee>>,
}

impl ChannelTerms {
    fn is_empty(&self) -> bool {
        self.processing_time.is_none() && self.fees.is_none()
    }
}

/// Per-channel processing times and fees (the national record's `CACHTHUCTHUCHIEN`, one entry
/// per `KENH`): e.g. a registration that costs less and is faster online than at the desk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelOverrides {
    /// At the desk (`KENH` 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<ChannelTerms>,
    /// Online, on this portal or the national one (`KENH` 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<ChannelTerms>,
    /// By public postal service (`KENH` 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal: Option<ChannelTerms>,
}

impl ChannelOverrides {
    /// No channel has terms of its own.
    pub fn is_empty(&self) -> bool {
        [&self.direct, &self.online, &self.postal].iter().all(|t| t.as_ref().is_none_or(ChannelTerms::is_empty))
    }

    /// The terms of the channel with this national `KenhThucHien`/`KENH` code (1 desk, 2 online,
    /// 3 post).
    pub fn for_channel(&self, kenh: u8) -> Option<&ChannelTerms> {
        match kenh {
            1 => self.direct.as_ref(),
            2 => self.online.as_ref(),
            3 => self.postal.as_ref(),
            _ => None,
        }
    }

    /// The same overrides without empty entries, so that equal meanings compare equal.
    fn normalised(self) -> Self {
        let keep = |t: Option<ChannelTerms>| t.filter(|t| !t.is_empty());
        Self { direct: keep(self.direct), online: keep(self.online), postal: keep(self.postal) }
    }
}

/// A procedure as the catalogue holds it. Build one freely, then pass it through
/// [`Procedure::validated`] before storing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    /// National procedure code (mã TTHC), opaque.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Field (lĩnh vực), e.g. "Hộ tịch".
    pub field: String,
    /// Online service level.
    pub online_level: OnlineLevel,
    /// "Đủ điều kiện thực hiện DVCTT toàn trình": the denominator of the 766 full-online indicator.
    pub eligible_full_online: bool,
    /// Whether a specialist's result needs a leader's approval; when not, the specialist
    /// resolves the dossier directly.
    pub approval_required: bool,
    /// Maximum processing time; `None`: no fixed deadline.
    pub processing_time: Option<ProcessingTime>,
    /// Fee lines, possibly none.
    pub fees: Vec<Fee>,
    /// Required documents.
    pub documents: Vec<RequiredDocument>,
    /// What is issued.
    pub result: ProcedureResult,
    /// JSON Schema of the dossier's `form_data`.
    pub form_schema: Value,
    /// Legal texts the procedure rests on.
    pub legal_basis: Vec<String>,
    /// First day the procedure applies.
    pub valid_from: Option<NaiveDate>,
    /// Last day the procedure applies.
    pub valid_to: Option<NaiveDate>,
    /// Codes of the agencies that perform it.
    pub agencies: Vec<String>,
    /// Processing times and fees of channels that differ from the above.
    pub channel_overrides: ChannelOverrides,
}

/// Filters of the public procedure list; every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcedureFilter {
    /// Folded search words (see [`search_words`]); each must occur in the folded name.
    pub words: Vec<String>,
    /// Exact field (lĩnh vực).
    pub field: Option<String>,
    /// Performed by this agency.
    pub agency: Option<String>,
    /// Performed by some agency of this level.
    pub level: Option<AgencyLevel>,
    /// This online service level.
    pub online: Option<OnlineLevel>,
}

/// Folds Vietnamese text for search: lower-case, diacritics removed (NFD decomposition, combining
/// marks dropped), `đ`/`Đ` → `d`, runs of white space collapsed to one space and trimmed.
/// "  Cấp GIẤY phép  Xây dựng" → "cap giay phep xay dung".
pub fn fold_vietnamese(s: &str) -> String {
    // Lower-case first: a few upper-case letters lower-case into a base letter plus a combining
    // mark (İ → i + U+0307), which the next step then drops.
    let folded: String = s
        .to_lowercase()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        // đ has no decomposition, so NFD leaves it alone; ð (eth) turns up in legacy data typed
        // on keyboards that lacked Đ.
        .map(|c| if matches!(c, 'đ' | 'ð') { 'd' } else { c })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The distinct folded words of a search query, in order.
pub fn search_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in fold_vietnamese(q).split(' ').filter(|w| !w.is_empty()) {
        if !words.iter().any(|w| w == word) {
            words.push(word.to_owned());
        }
    }
    words
}

fn trimmed_text(value: &str, field: &str, max: usize, errors: &mut Vec<Invalid>) -> String {
    let text = value.trim().to_owned();
    if text.is_empty() || text.chars().count() > max {
        errors.push(Invalid::new(field, format!("must be 1–{max} characters")));
    }
    text
}

fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn is_document_key(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A media type without parameters: `type/subtype`, each part made of RFC 6838 name characters.
fn is_media_type(s: &str) -> bool {
    let name_ok = |part: &str| {
        !part.is_empty()
            && part.len() <= 127
            && part.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    s.split_once('/').is_some_and(|(kind, subtype)| name_ok(kind) && name_ok(subtype))
}

fn is_web_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty()) && s.len() <= 2000 && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks that `schema` is a plausible JSON Schema of a JSON object: `"type": "object"`,
/// `properties` an object of property schemas with a known `type`, and `required` (if any)
/// naming existing properties. Failures are pushed with their path under `path`.
pub fn check_form_schema(schema: &Value, path: &str, errors: &mut Vec<Invalid>) {
    let Some(object) = schema.as_object() else {
        errors.push(Invalid::new(path, "must be a JSON Schema object"));
        return;
    };
    check_object_schema(object, path, 0, errors);
}

fn check_object_schema(schema: &Map<String, Value>, path: &str, depth: usize, errors: &mut Vec<Invalid>) {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        errors.push(Invalid::new(format!("{path}.type"), "must be \"object\""));
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        errors.push(Invalid::new(format!("{path}.properties"), "must be an object of property schemas"));
        return;
    };
    for (name, property) in properties {
        check_property_schema(property, &format!("{path}.properties.{name}"), depth + 1, errors);
    }
    match schema.get("required") {
        None => {}
        Some(Value::Array(names)) => {
            for (i, name) in names.iter().enumerate() {
                let field = format!("{path}.required[{i}]");
                match name.as_str() {
                    Some(name) if properties.contains_key(name) => {}
                    Some(_) => errors.push(Invalid::new(field, "names no property of the schema")),
                    None => errors.push(Invalid::new(field, "must be a property name")),
                }
            }
        }
        Some(_) => errors.push(Invalid::new(format!("{path}.required"), "must be an array of property names")),
    }
}

fn check_property_schema(schema: &Value, path: &str, depth: usize, errors: &mut Vec<Invalid>) {
    if depth > MAX_SCHEMA_DEPTH {
        errors.push(Invalid::new(path, format!("is nested more than {MAX_SCHEMA_DEPTH} levels deep")));
        return;
    }
    let Some(object) = schema.as_object() else {
        errors.push(Invalid::new(path, "must be a JSON Schema object"));
        return;
    };
    match object.get("type").and_then(Value::as_str) {
        // A nested object may be free-form; when it lists properties, they are checked like the
        // top level.
        Some("object") if object.contains_key("properties") || object.contains_key("required") => {
            check_object_schema(object, path, depth, errors);
        }
        Some("array") => {
            if let Some(items) = object.get("items") {
                check_property_schema(items, &format!("{path}.items"), depth + 1, errors);
            }
        }
        Some(kind) if SCHEMA_TYPES.contains(&kind) => {}
        _ => errors.push(Invalid::new(format!("{path}.type"), format!("must be one of {}", SCHEMA_TYPES.join(", ")))),
    }
}

fn check_processing_time(time: ProcessingTime, prefix: &str, errors: &mut Vec<Invalid>) {
    let field = format!("{prefix}processing_time.value");
    let field = field.as_str();
    match time.unit {
        TimeUnit::SameDay if time.value != 0 => errors.push(Invalid::new(field, "must be 0 for a same_day procedure")),
        TimeUnit::SameDay => {}
        _ if time.value == 0 => errors.push(Invalid::new(field, "must be greater than 0")),
        _ if time.value > MAX_PROCESSING_VALUE => {
            errors.push(Invalid::new(field, format!("must be at most {MAX_PROCESSING_VALUE}")));
        }
        _ => {}
    }
}

fn validated_fee(prefix: &str, i: usize, fee: Fee, errors: &mut Vec<Invalid>) -> Fee {
    let name = trimmed_text(&fee.name, &format!("{prefix}fees[{i}].name"), MAX_NAME_CHARS, errors);
    if fee.amount_vnd.is_some_and(|amount| amount < 0) {
        errors.push(Invalid::new(format!("{prefix}fees[{i}].amount_vnd"), "must be 0 or more, or null"));
    }
    Fee { name, amount_vnd: fee.amount_vnd, note: optional_text(fee.note) }
}

fn validated_document(
    i: usize,
    doc: RequiredDocument,
    keys: &mut HashSet<String>,
    errors: &mut Vec<Invalid>,
) -> RequiredDocument {
    let key = doc.key.trim().to_owned();
    if !is_document_key(&key) {
        errors.push(Invalid::new(format!("documents[{i}].key"), "must be 1–64 of a-z, 0-9 and _"));
    } else if !keys.insert(key.clone()) {
        errors.push(Invalid::new(format!("documents[{i}].key"), "is used by another document of this procedure"));
    }
    let name = trimmed_text(&doc.name, &format!("documents[{i}].name"), MAX_NAME_CHARS, errors);
    if doc.accepted_types.is_empty() {
        errors.push(Invalid::new(format!("documents[{i}].accepted_types"), "must list at least one media type"));
    }
    let mut accepted_types = Vec::with_capacity(doc.accepted_types.len());
    for (j, raw) in doc.accepted_types.iter().enumerate() {
        // Media types are case-insensitive (RFC 6838 §4.2); store them in the usual lower case.
        let media_type = raw.trim().to_ascii_lowercase();
        if !is_media_type(&media_type) {
            errors.push(Invalid::new(
                format!("documents[{i}].accepted_types[{j}]"),
                "must be a media type such as application/pdf",
            ));
        }
        accepted_types.push(media_type);
    }
    if !(1..=MAX_DOCUMENT_BYTES).contains(&doc.max_bytes) {
        errors.push(Invalid::new(format!("documents[{i}].max_bytes"), format!("must be 1–{MAX_DOCUMENT_BYTES}")));
    }
    let template_url = optional_text(doc.template_url);
    if template_url.as_deref().is_some_and(|url| !is_web_url(url)) {
        errors.push(Invalid::new(format!("documents[{i}].template_url"), "must be an http or https URL"));
    }
    RequiredDocument { key, name, mandatory: doc.mandatory, accepted_types, max_bytes: doc.max_bytes, template_url }
}

impl Procedure {
    /// The procedure with its text trimmed and media types lower-cased, if every rule holds;
    /// otherwise every broken rule, each naming its field path (`documents[1].key`,
    /// `form_schema.properties.ho_ten.type`). Whether the agencies exist is the service's check.
    ///
    /// # Errors
    /// The list of [`Invalid`] fields, in the order of the fields.
    pub fn validated(self) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let code = match ProcedureCode::try_from(self.code) {
            Ok(code) => String::from(code),
            Err(e) => {
                errors.push(Invalid::new("code", e.message));
                String::new()
            }
        };
        let name = trimmed_text(&self.name, "name", MAX_NAME_CHARS, &mut errors);
        let field = trimmed_text(&self.field, "field", MAX_FIELD_CHARS, &mut errors);
        if self.eligible_full_online && self.online_level == OnlineLevel::None {
            errors.push(Invalid::new("eligible_full_online", "cannot be true when online_level is none"));
        }
        if let Some(time) = self.processing_time {
            check_processing_time(time, "", &mut errors);
        }
        let fees = self.fees.into_iter().enumerate().map(|(i, fee)| validated_fee("", i, fee, &mut errors)).collect();
        let channel_overrides = validated_overrides(self.channel_overrides, &mut errors);
        let mut keys = HashSet::new();
        let documents = self
            .documents
            .into_iter()
            .enumerate()
            .map(|(i, doc)| validated_document(i, doc, &mut keys, &mut errors))
            .collect();
        let result_name = optional_text(self.result.name);
        if result_name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
            errors.push(Invalid::new("result.name", format!("must be at most {MAX_NAME_CHARS} characters")));
        }
        check_form_schema(&self.form_schema, "form_schema", &mut errors);
        let legal_basis = self
            .legal_basis
            .iter()
            .enumerate()
            .map(|(i, text)| trimmed_text(text, &format!("legal_basis[{i}]"), MAX_NAME_CHARS, &mut errors))
            .collect();
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to) {
            if to < from {
                errors.push(Invalid::new("valid_to", "must not be before valid_from"));
            }
        }
        let agencies = validated_agencies(self.agencies, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            code,
            name,
            field,
            online_level: self.online_level,
            eligible_full_online: self.eligible_full_online,
            approval_required: self.approval_required,
            processing_time: self.processing_time,
            fees,
            documents,
            result: ProcedureResult { is_document: self.result.is_document, name: result_name },
            form_schema: self.form_schema,
            legal_basis,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            agencies,
            channel_overrides,
        })
    }

    /// The maximum processing time of a dossier filed through the channel with this national
    /// `KENH` code: the channel's own, else the procedure's; `None`: no fixed deadline.
    pub fn processing_time_on(&self, kenh: u8) -> Option<ProcessingTime> {
        self.channel_overrides.for_channel(kenh).and_then(|t| t.processing_time).or(self.processing_time)
    }

    /// The fee lines of a dossier filed through the channel with this national `KENH` code.
    pub fn fees_on(&self, kenh: u8) -> &[Fee] {
        self.channel_overrides.for_channel(kenh).and_then(|t| t.fees.as_deref()).unwrap_or(&self.fees)
    }
}

fn validated_overrides(overrides: ChannelOverrides, errors: &mut Vec<Invalid>) -> ChannelOverrides {
    let mut check = |name: &str, terms: Option<ChannelTerms>| {
        terms.map(|terms| {
            let prefix = format!("channel_overrides.{name}.");
            if let Some(time) = terms.processing_time {
                check_processing_time(time, &prefix, errors);
            }
            let fees = terms.fees.map(|fees| {
                fees.into_iter().enumerate().map(|(i, fee)| validated_fee(&prefix, i, fee, errors)).collect()
            });
            ChannelTerms { processing_time: terms.processing_time, fees }
        })
    };
    ChannelOverrides {
        direct: check("direct", overrides.direct),
        online: check("online", overrides.online),
        postal: check("postal", overrides.postal),
    }
    .normalised()
}

fn validated_agencies(agencies: Vec<String>, errors: &mut Vec<Invalid>) -> Vec<String> {
    if agencies.is_empty() {
        errors.push(Invalid::new("agencies", "must list at least one agency"));
    }
    let mut seen = HashSet::new();
    let mut codes = Vec::with_capacity(agencies.len());
    for (i, raw) in agencies.into_iter().enumerate() {
        match AgencyCode::try_from(raw) {
            Ok(code) => {
                let code = String::from(code);
                if !seen.insert(code.clone()) {
                    errors.push(Invalid::new(format!("agencies[{i}]"), "is listed twice"));
                }
                codes.push(code);
            }
            Err(e) => errors.push(Invalid::new(format!("agencies[{i}]"), e.message)),
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn folding_removes_diacritics_case_and_extra_spaces() {
        let cases = [
            ("Cấp giấy phép xây dựng", "cap giay phep xay dung"),
            ("CẤP GIẤY", "cap giay"),
            ("Thủ tục đăng ký khai sinh", "thu tuc dang ky khai sinh"),
            ("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon"),
            ("  Chứng   thực\tbản sao \n", "chung thuc ban sao"),
            ("Ngữ ưỡn ơi Ặ ỵ", "ngu uon oi a y"),
            // Decomposed input folds the same as precomposed input.
            ("Nguye\u{302}\u{303}n", "nguyen"),
            ("Ðông (legacy eth)", "dong (legacy eth)"),
            ("1.001612 Hộ tịch", "1.001612 ho tich"),
            ("", ""),
            ("   ", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_vietnamese(input), expected, "{input:?}");
        }
    }

    #[test]
    fn folding_is_idempotent() {
        for input in ["Cấp giấy phép xây dựng", "ĐĂNG KÝ", "Hộ   tịch"] {
            let once = fold_vietnamese(input);
            assert_eq!(fold_vietnamese(&once), once);
        }
    }

    #[test]
    fn search_words_are_folded_and_distinct() {
        assert_eq!(search_words(" Cấp  cấp GIẤY "), vec!["cap", "giay"]);
        assert!(search_words("   ").is_empty());
    }

    fn valid() -> Procedure {
        Procedure {
            code: " 1.001193 ".to_owned(),
            name: " Thủ tục đăng ký khai sinh ".to_owned(),
            field: "Hộ tịch".to_owned(),
            online_level: OnlineLevel::Full,
            eligible_full_online: true,
            approval_required: true,
            processing_time: Some(ProcessingTime::same_day()),
            fees: vec![Fee { name: "Lệ phí".to_owned(), amount_vnd: None, note: Some("  ".to_owned()) }],
            documents: vec![RequiredDocument {
                key: "giay_chung_sinh".to_owned(),
                name: "Giấy chứng sinh".to_owned(),
                mandatory: true,
                accepted_types: vec!["Application/PDF".to_owned()],
                max_bytes: MAX_DOCUMENT_BYTES,
                template_url: None,
            }],
            result: ProcedureResult { is_document: true, name: Some("Giấy khai sinh".to_owned()) },
            form_schema: json!({"type": "object", "properties": {"ho_ten": {"type": "string"}}, "required": ["ho_ten"]}),
            legal_basis: vec!["Luật Hộ tịch 2014".to_owned()],
            valid_from: None,
            valid_to: None,
            agencies: vec!["000.17.22.h56".to_owned()],
            channel_overrides: ChannelOverrides::default(),
        }
    }

    fn first_error(p: Procedure) -> String {
        match p.validated() {
            Ok(_) => panic!("expected a validation failure"),
            Err(errors) => errors.first().map(|e| e.field.clone()).unwrap_or_default(),
        }
    }

    #[test]
    fn a_valid_procedure_is_normalised() {
        let Ok(p) = valid().validated() else { panic!("valid procedure") };
        assert_eq!(p.code, "1.001193");
        assert_eq!(p.name, "Thủ tục đăng ký khai sinh");
        assert_eq!(p.fees[0].note, None);
        assert_eq!(p.documents[0].accepted_types, vec!["application/pdf"]);
        assert_eq!(p.agencies, vec!["000.17.22.H56"]);
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        type Change = fn(&mut Procedure);
        let cases: Vec<(Change, &str)> = vec![
            (|p| p.code = "1 001193".into(), "code"),
            (|p| p.name = " ".into(), "name"),
            (|p| p.name = "x".repeat(501), "name"),
            (|p| p.field = String::new(), "field"),
            (|p| p.online_level = OnlineLevel::None, "eligible_full_online"),
            (|p| p.processing_time = Some(ProcessingTime::working_days(0)), "processing_time.value"),
            (
                |p| p.processing_time = Some(ProcessingTime { value: 2, unit: TimeUnit::SameDay }),
                "processing_time.value",
            ),
            (|p| p.processing_time = Some(ProcessingTime::calendar_days(100_001)), "processing_time.value"),
            (|p| p.fees[0].name = String::new(), "fees[0].name"),
            (|p| p.fees[0].amount_vnd = Some(-1), "fees[0].amount_vnd"),
            (|p| p.documents[0].key = "Giay".into(), "documents[0].key"),
            (|p| p.documents[0].key = "a".repeat(65), "documents[0].key"),
            (|p| p.documents.push(p.documents[0].clone()), "documents[1].key"),
            (|p| p.documents[0].accepted_types.clear(), "documents[0].accepted_types"),
            (|p| p.documents[0].accepted_types.push("pdf".into()), "documents[0].accepted_types[1]"),
            (|p| p.documents[0].accepted_types.push("image/*".into()), "documents[0].accepted_types[1]"),
            (
                |p| p.documents[0].accepted_types.push("text/plain; charset=utf-8".into()),
                "documents[0].accepted_types[1]",
            ),
            (|p| p.documents[0].max_bytes = 0, "documents[0].max_bytes"),
            (|p| p.documents[0].max_bytes = MAX_DOCUMENT_BYTES + 1, "documents[0].max_bytes"),
            (|p| p.documents[0].template_url = Some("ftp://x".into()), "documents[0].template_url"),
            (|p| p.result.name = Some("x".repeat(501)), "result.name"),
            (|p| p.legal_basis.push(" ".into()), "legal_basis[1]"),
            (
                |p| {
                    p.valid_from = NaiveDate::from_ymd_opt(2026, 1, 2);
                    p.valid_to = NaiveDate::from_ymd_opt(2026, 1, 1);
                },
                "valid_to",
            ),
            (|p| p.agencies.clear(), "agencies"),
            (
                |p| {
                    p.channel_overrides.online =
                        Some(ChannelTerms { processing_time: Some(ProcessingTime::working_days(0)), fees: None })
                },
                "channel_overrides.online.processing_time.value",
            ),
            (
                |p| {
                    p.channel_overrides.postal = Some(ChannelTerms {
                        processing_time: None,
                        fees: Some(vec![Fee { name: "Phí".into(), amount_vnd: Some(-5), note: None }]),
                    })
                },
                "channel_overrides.postal.fees[0].amount_vnd",
            ),
            (|p| p.agencies.push("000.17.22.H56".into()), "agencies[1]"),
            (|p| p.agencies.push("H56".into()), "agencies[1]"),
        ];
        for (i, (change, field)) in cases.into_iter().enumerate() {
            let mut p = valid();
            change(&mut p);
            assert_eq!(first_error(p), field, "case {i}");
        }
    }

    #[test]
    fn form_schemas_are_checked_for_plausibility() {
        let cases = [
            (json!([]), "form_schema"),
            (json!("object"), "form_schema"),
            (json!({"properties": {}}), "form_schema.type"),
            (json!({"type": "array", "properties": {}}), "form_schema.type"),
            (json!({"type": "object"}), "form_schema.properties"),
            (json!({"type": "object", "properties": []}), "form_schema.properties"),
            (json!({"type": "object", "properties": {"a": "string"}}), "form_schema.properties.a"),
            (json!({"type": "object", "properties": {"a": {}}}), "form_schema.properties.a.type"),
            (json!({"type": "object", "properties": {"a": {"type": "text"}}}), "form_schema.properties.a.type"),
            (
                json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": "a"}),
                "form_schema.required",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]}),
                "form_schema.required[1]",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": [1]}),
                "form_schema.required[0]",
            ),
            (
                json!({"type": "object", "properties": {"o": {"type": "object", "properties": {"x": {"type": "date"}}}}}),
                "form_schema.properties.o.properties.x.type",
            ),
            (
                json!({"type": "object", "properties": {"l": {"type": "array", "items": {"type": "nope"}}}}),
                "form_schema.properties.l.items.type",
            ),
        ];
        for (schema, field) in cases {
            let mut errors = Vec::new();
            check_form_schema(&schema, "form_schema", &mut errors);
            assert_eq!(errors.first().map(|e| e.field.as_str()), Some(field), "{schema}");
        }
        let good = json!({"type": "object", "properties": {
            "ho_ten": {"type": "string", "maxLength": 100},
            "so_con": {"type": "integer", "minimum": 0},
            "dia_chi": {"type": "object"},
            "thanh_vien": {"type": "array", "items": {"type": "object", "properties": {"ten": {"type": "string"}}}},
        }, "required": ["ho_ten"]});
        let mut errors = Vec::new();
        check_form_schema(&good, "form_schema", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn deeply_nested_schemas_are_refused_without_recursing_forever() {
        let mut schema = json!({"type": "string"});
        for _ in 0..40 {
            schema = json!({"type": "array", "items": schema});
        }
        let schema = json!({"type": "object", "properties": {"deep": schema}});
        let mut errors = Vec::new();
        check_form_schema(&schema, "form_schema", &mut errors);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("nested"), "{errors:?}");
    }

    #[test]
    fn a_channel_uses_its_own_time_and_fees_and_falls_back_to_the_procedures() {
        let mut p = valid();
        p.processing_time = Some(ProcessingTime::working_days(7));
        p.channel_overrides = ChannelOverrides {
            online: Some(ChannelTerms {
                processing_time: Some(ProcessingTime::working_days(5)),
                fees: Some(vec![Fee {
                    name: "Lệ phí (trực tuyến)".into(), amount_vnd: Some(10_000), note: None
                }]),
            }),
            postal: Some(ChannelTerms::default()),
            direct: None,
        };
        let Ok(p) = p.validated() else { panic!("valid procedure") };
        assert_eq!(p.channel_overrides.postal, None, "an empty entry is dropped");
        assert_eq!(p.processing_time_on(2), Some(ProcessingTime::working_days(5)));
        assert_eq!(p.processing_time_on(1), Some(ProcessingTime::working_days(7)));
        assert_eq!(p.processing_time_on(3), Some(ProcessingTime::working_days(7)));
        assert_eq!(p.fees_on(2)[0].amount_vnd, Some(10_000));
        assert_eq!(p.fees_on(1)[0].name, "Lệ phí");
        // A procedure without a fixed deadline may still have one online.
        let mut open = valid();
        open.processing_time = None;
        open.channel_overrides.online =
            Some(ChannelTerms { processing_time: Some(ProcessingTime::working_days(2)), fees: None });
        assert_eq!(open.processing_time_on(1), None);
        assert_eq!(open.processing_time_on(2), Some(ProcessingTime::working_days(2)));
    }

    #[test]
    fn online_levels_round_trip() {
        for level in [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None] {
            assert_eq!(OnlineLevel::parse(level.as_str()), Some(level));
            assert_eq!(serde_json::to_value(level).ok(), Some(json!(level.as_str())));
        }
        assert_eq!(OnlineLevel::parse("level4"), None);
    }
}
