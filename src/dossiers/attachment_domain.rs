//! Attachment rules without I/O: the media type a file really is (from its magic bytes, never
//! the client's header) and the file name that may be stored and sent back.

use unicode_normalization::UnicodeNormalization;

/// Stored when nothing of the client's file name survives sanitising ("attached file").
pub const DEFAULT_FILE_NAME: &str = "tep_dinh_kem";

/// Longest stored file name, in bytes (the column is `varchar(255)`).
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// Office Open XML Word document.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// Office Open XML spreadsheet.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The media type of a file from its first bytes, or `None` when it is none of the kinds a
/// dossier may carry (plain text and executables included).
///
/// A ZIP container (`PK\x03\x04`) is reported as the Office Open XML type the document accepts
/// (DOCX before XLSX), else as `application/zip`: both formats share the container, and telling
/// them apart would mean unpacking the archive.
pub fn sniff_content_type(head: &[u8], accepted: &[String]) -> Option<&'static str> {
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.starts_with(b"PK\x03\x04") {
        let accepts = |t: &str| accepted.iter().any(|a| a.eq_ignore_ascii_case(t));
        Some(if accepts(DOCX) {
            DOCX
        } else if accepts(XLSX) {
            XLSX
        } else {
            "application/zip"
        })
    } else {
        None
    }
}

/// Whether `content_type` is one of the document's accepted types (case-insensitive).
pub fn is_accepted(content_type: &str, accepted: &[String]) -> bool {
    accepted.iter().any(|a| a.trim().eq_ignore_ascii_case(content_type))
}

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-' | '(' | ')')
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path segment
/// only (so `../../etc/passwd` and `C:\x\y.pdf` lose their directories), NFC-normalised (names
/// typed on macOS arrive decomposed), only letters (Vietnamese included), digits, space and
/// `._-()`, no leading dots or spaces, at most [`MAX_FILE_NAME_BYTES`] bytes keeping a short
/// extension, and never empty ([`DEFAULT_FILE_NAME`]).
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last.nfc().filter(|c| allowed(*c)).collect();
    let trimmed = kept.trim_start_matches(['.', ' ']).trim_end_matches([' ', '.']);
    if trimmed.is_empty() {
        return DEFAULT_FILE_NAME.to_owned();
    }
    if trimmed.len() <= MAX_FILE_NAME_BYTES {
        return trimmed.to_owned();
    }
    let (stem, extension) = match trimmed.rfind('.') {
        Some(dot) if trimmed.len() - dot <= 16 => trimmed.split_at(dot),
        _ => (trimmed, ""),
    };
    let mut end = MAX_FILE_NAME_BYTES - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", stem[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn magic_bytes_name_the_type() {
        let none = types(&[]);
        let cases: [(&[u8], Option<&str>); 8] = [
            (b"%PDF-1.4\n", Some("application/pdf")),
            (b"\x89PNG\r\n\x1a\n\0\0", Some("image/png")),
            (b"\xFF\xD8\xFF\xE0", Some("image/jpeg")),
            (b"GIF89a...", Some("image/gif")),
            (b"PK\x03\x04..", Some("application/zip")),
            (b"MZ\x90\0", None),
            (b"just some text", None),
            (b"", None),
        ];
        for (head, expected) in cases {
            assert_eq!(sniff_content_type(head, &none), expected, "{head:?}");
        }
    }

    #[test]
    fn zip_containers_take_the_office_type_the_document_accepts() {
        assert_eq!(sniff_content_type(b"PK\x03\x04", &types(&["application/pdf", DOCX])), Some(DOCX));
        assert_eq!(sniff_content_type(b"PK\x03\x04", &types(&[XLSX])), Some(XLSX));
        assert!(is_accepted("application/pdf", &types(&["Application/PDF"])));
        assert!(!is_accepted("image/png", &types(&["application/pdf"])));
    }

    #[test]
    fn file_names_lose_directories_and_unsafe_characters() {
        let cases = [
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\an\\to khai.pdf", "to khai.pdf"),
            ("Tờ khai đăng ký (bản 1).pdf", "Tờ khai đăng ký (bản 1).pdf"),
            ("a\u{0}b\u{7}c\r\n.pdf", "abc.pdf"),
            ("<b>alert(1)<b>.pdf", "balert(1)b.pdf"),
            (".hidden", "hidden"),
            ("..", DEFAULT_FILE_NAME),
            ("", DEFAULT_FILE_NAME),
            ("///", DEFAULT_FILE_NAME),
            ("\"';|*?", DEFAULT_FILE_NAME),
        ];
        for (raw, expected) in cases {
            assert_eq!(sanitize_file_name(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn decomposed_vietnamese_is_recomposed() {
        let decomposed: String = "Tờ khai.pdf".nfd().collect();
        assert_eq!(sanitize_file_name(&decomposed), "Tờ khai.pdf");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let name = sanitize_file_name(&format!("{}.pdf", "đ".repeat(300)));
        assert!(name.len() <= MAX_FILE_NAME_BYTES);
        assert!(name.ends_with("đ.pdf"), "{name}");
        let no_ext = sanitize_file_name(&"ă".repeat(300));
        assert!(no_ext.len() <= MAX_FILE_NAME_BYTES && !no_ext.is_empty());
    }
}
