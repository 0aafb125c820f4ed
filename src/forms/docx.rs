//! Filling a DOCX form template with a form's values, and checking a template before an agency
//! uses it. No I/O: a template is bytes in, a filled document is bytes out.
//!
//! # Placeholders
//! * `{{name}}` anywhere in the text (body, headers, footers) is replaced by the form's value of
//!   `name`; spaces inside the braces are ignored (`{{ name }}`).
//! * A table row containing `{{#list}}` is repeated once per item of `list` (and removed when
//!   there is none); inside it, `{{list.field}}` is the item's `field`. `{{/list}}` may close the
//!   row for readers used to mustache; both markers print nothing.
//! * A placeholder the form does not have is left as written, so a mistake shows on paper
//!   instead of silently vanishing. Uploads are checked ([`check_template`]), so a stored
//!   template meets one only if a later release drops a placeholder it uses.
//!
//! # Implementation Notes
//! Word splits text into runs wherever formatting, spell-check or editing history changes, so
//! `{{applicant_name}}` typed in Word often arrives as `{{`, `applicant_`, `name}}` in three
//! `<w:t>` elements. [`normalise`] first moves every placeholder's pieces into the `<w:t>` where
//! it starts (keeping that run's formatting), paragraph by paragraph; after that each placeholder
//! is inside one text element and is replaced there. Only the text of `<w:t>` elements is touched
//! and every other part of the package is copied byte for byte, so letterheads, images, styles
//! and section settings an agency put in its template survive. Values are XML-escaped, and their
//! braces are written as character references so that text a person typed (an applicant's
//! `{{lookup_secret}}`) is never read as a placeholder by a later pass.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};
use std::ops::Range;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The media type of a Word document.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// Largest template an agency may upload: room for a letterhead logo, not for a photo album.
pub const MAX_TEMPLATE_BYTES: usize = 2 * 1024 * 1024;
/// Most text (body, headers and footers together) read from a template once decompressed, so a
/// zip bomb stops early; real forms are well under 1 MiB.
const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;
/// Most entries of a template package.
const MAX_ENTRIES: usize = 1000;
/// The main document part.
const DOCUMENT_PART: &str = "word/document.xml";

/// The values one form fills a template with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues {
    scalars: BTreeMap<&'static str, String>,
    lists: BTreeMap<&'static str, Vec<BTreeMap<&'static str, String>>>,
}

impl FormValues {
    /// Sets `{{name}}`.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.scalars.insert(name, value.into());
        self
    }

    /// Declares the list `name` (so a template's repeated row is removed when it stays empty).
    pub fn list(&mut self, name: &'static str) -> &mut Self {
        self.lists.entry(name).or_default();
        self
    }

    /// Adds an item to the list `name`: its fields as `{{name.field}}`.
    pub fn push(&mut self, name: &'static str, fields: impl IntoIterator<Item = (&'static str, String)>) -> &mut Self {
        self.lists.entry(name).or_default().push(fields.into_iter().collect());
        self
    }

    /// The value of `{{name}}`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.scalars.get(name).map(String::as_str)
    }

    /// The items of the list `name`.
    pub fn items(&self, name: &str) -> Option<&[BTreeMap<&'static str, String>]> {
        self.lists.get(name).map(Vec::as_slice)
    }

    /// The scalar names, then each list as `#list` followed by its fields as `list.field`, as
    /// they were set (for checking values against the placeholder catalogue).
    pub fn names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.scalars.keys().map(|k| (*k).to_owned()).collect();
        for (list, items) in &self.lists {
            names.insert(format!("#{list}"));
            for field in items.iter().flat_map(BTreeMap::keys) {
                names.insert(format!("{list}.{field}"));
            }
        }
        names
    }
}

/// The placeholders a form offers: `{{name}}` scalars, and lists with their fields.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    pub scalars: &'static [&'static str],
    pub lists: &'static [(&'static str, &'static [&'static str])],
}

impl Vocabulary {
    fn scalar(&self, name: &str) -> bool {
        self.scalars.contains(&name)
    }

    fn fields(&self, list: &str) -> Option<&'static [&'static str]> {
        self.lists.iter().find(|(l, _)| *l == list).map(|(_, f)| *f)
    }
}

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not a Word document package (a zip with `word/document.xml`).
    #[error("not a DOCX document: {0}")]
    NotDocx(String),
    /// Placeholders the form does not have, or list fields outside their repeated row: each as
    /// the text between the braces and why.
    #[error("the template uses {} placeholder(s) this form does not have", .0.len())]
    UnknownPlaceholders(Vec<(String, String)>),
}

/// A start or end tag of the XML text.
struct Tag<'a> {
    span: Range<usize>,
    name: &'a str,
    closing: bool,
    self_closing: bool,
}

/// The tags of `xml` in order. Text never contains `<` (it is escaped), so a plain scan is exact
/// for the parts Word, LibreOffice and docx-rs write (no CDATA; comments are not expected).
fn tags(xml: &str) -> impl Iterator<Item = Tag<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + xml.get(at..)?.find('<')?;
        let end = start + xml.get(start..)?.find('>')? + 1;
        at = end;
        let inner = xml.get(start + 1..end - 1)?;
        let closing = inner.starts_with('/');
        let self_closing = inner.ends_with('/');
        let name = inner.trim_start_matches('/').split(|c: char| c.is_ascii_whitespace() || c == '/').next()?;
        Some(Tag { span: start..end, name, closing, self_closing })
    })
}

/// The text of one `<w:t>` element.
#[derive(Debug, Clone)]
struct TextNode {
    open: Range<usize>,
    content: Range<usize>,
    paragraph: usize,
}

fn text_nodes(xml: &str) -> Vec<TextNode> {
    let mut nodes = Vec::new();
    let mut paragraph = 0;
    let mut open: Option<Range<usize>> = None;
    for tag in tags(xml) {
        match tag.name {
            "w:p" => paragraph += 1,
            "w:t" if tag.self_closing => {}
            "w:t" if tag.closing => {
                if let Some(open) = open.take() {
                    nodes.push(TextNode { content: open.end..tag.span.start, open, paragraph });
                }
            }
            "w:t" => open = Some(tag.span),
            _ => {}
        }
    }
    nodes
}

/// The `{{…}}` tokens of `text`: their span and the trimmed text between the braces.
fn tokens(text: &str) -> Vec<(Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text.get(at..).and_then(|t| t.find("{{")) {
        let start = at + offset;
        let Some(close) = text.get(start + 2..).and_then(|t| t.find("}}")) else { break };
        let end = start + 2 + close + 2;
        let inner = &text[start + 2..end - 2];
        if inner.contains('{') || inner.len() > 100 {
            at = start + 1;
            continue;
        }
        found.push((start..end, inner.trim()));
        at = end;
    }
    found
}

/// Rewrites the content of `nodes` (in document order) with `new`, marking each rewritten
/// element `xml:space="preserve"` so its leading and trailing spaces survive.
fn rewrite(xml: &str, nodes: &[TextNode], new: &[Option<String>]) -> String {
    let mut out = String::with_capacity(xml.len() + 64);
    let mut at = 0;
    for (node, content) in nodes.iter().zip(new) {
        let Some(content) = content else { continue };
        out.push_str(&xml[at..node.open.start]);
        out.push_str("<w:t xml:space=\"preserve\">");
        out.push_str(content);
        at = node.content.end;
    }
    out.push_str(&xml[at..]);
    out
}

/// Moves every placeholder split over several `<w:t>` of a paragraph into the first of them.
pub(crate) fn normalise(xml: &str) -> String {
    let nodes = text_nodes(xml);
    let mut new: Vec<Option<String>> = vec![None; nodes.len()];
    let mut first = 0;
    while first < nodes.len() {
        let paragraph = nodes[first].paragraph;
        let last = nodes[first..].iter().position(|n| n.paragraph != paragraph).map_or(nodes.len(), |p| first + p);
        let group = &nodes[first..last];
        if group.len() > 1 {
            let mut joined = String::new();
            let mut bounds = Vec::with_capacity(group.len());
            for node in group {
                let start = joined.len();
                joined.push_str(&xml[node.content.clone()]);
                bounds.push(start..joined.len());
            }
            let original = bounds.clone();
            for (span, _) in tokens(&joined) {
                let owner = |pos: usize, bounds: &[Range<usize>]| bounds.iter().position(|b| b.contains(&pos));
                let (Some(a), Some(b)) = (owner(span.start, &bounds), owner(span.end - 1, &bounds)) else { continue };
                if a == b {
                    continue;
                }
                bounds[a].end = span.end;
                for moved in &mut bounds[a + 1..b] {
                    *moved = span.end..span.end;
                }
                bounds[b].start = span.end;
            }
            for (k, (now, was)) in bounds.iter().zip(&original).enumerate() {
                if now != was {
                    new[first + k] = Some(joined[now.clone()].to_owned());
                }
            }
        }
        first = last;
    }
    if new.iter().all(Option::is_none) {
        return xml.to_owned();
    }
    rewrite(xml, &nodes, &new)
}

/// `value` as the content of a `<w:t>`: escaped, braces as character references, a line break
/// as `<w:br/>` and a tab as `<w:tab/>` (inside the same run), characters XML forbids dropped.
pub(crate) fn xml_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '\n' => out.push_str("</w:t><w:br/><w:t xml:space=\"preserve\">"),
            '\t' => out.push_str("</w:t><w:tab/><w:t xml:space=\"preserve\">"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Replaces, in every `<w:t>` of `xml`, the tokens `value` knows (given the text between the
/// braces, it answers the replacement, already XML text).
fn replace_tokens(xml: &str, mut value: impl FnMut(&str) -> Option<String>) -> String {
    let nodes = text_nodes(xml);
    let new: Vec<Option<String>> = nodes
        .iter()
        .map(|node| {
            let text = &xml[node.content.clone()];
            let mut out = String::new();
            let mut at = 0;
            let mut changed = false;
            for (span, inner) in tokens(text) {
                if let Some(replacement) = value(inner) {
                    out.push_str(&text[at..span.start]);
                    out.push_str(&replacement);
                    at = span.end;
                    changed = true;
                }
            }
            changed.then(|| {
                out.push_str(&text[at..]);
                out
            })
        })
        .collect();
    rewrite(xml, &nodes, &new)
}

/// The table rows (`<w:tr>`) of `xml` without a nested row, in document order.
fn leaf_rows(xml: &str) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut open: Vec<(usize, bool)> = Vec::new();
    for tag in tags(xml) {
        if tag.name != "w:tr" || tag.self_closing {
            continue;
        }
        if tag.closing {
            if let Some((start, nested)) = open.pop() {
                if !nested {
                    rows.push(start..tag.span.end);
                }
            }
        } else {
            if let Some(parent) = open.last_mut() {
                parent.1 = true;
            }
            open.push((tag.span.start, false));
        }
    }
    rows.sort_by_key(|r| r.start);
    rows
}

/// The list a row repeats for: the name of its first `{{#list}}`.
fn row_list(row_xml: &str) -> Option<String> {
    text_nodes(row_xml).iter().find_map(|node| {
        tokens(&row_xml[node.content.clone()])
            .into_iter()
            .find_map(|(_, inner)| inner.strip_prefix('#').map(str::to_owned))
    })
}

/// Repeats each row marked `{{#list}}` once per item of a list `values` has.
fn expand_rows(xml: &str, values: &FormValues) -> String {
    let mut out = xml.to_owned();
    for row in leaf_rows(xml).into_iter().rev() {
        let row_xml = &xml[row.clone()];
        let Some(list) = row_list(row_xml) else { continue };
        let Some(items) = values.items(&list) else { continue };
        let (open, close, prefix) = (format!("#{list}"), format!("/{list}"), format!("{list}."));
        let copies: String = items
            .iter()
            .map(|item| {
                replace_tokens(row_xml, |inner| {
                    if inner == open || inner == close {
                        return Some(String::new());
                    }
                    inner.strip_prefix(prefix.as_str()).and_then(|field| item.get(field)).map(|v| xml_text(v))
                })
            })
            .collect();
        out.replace_range(row, &copies);
    }
    out
}

/// Whether a part of the package carries text to fill: the body, headers and footers.
fn is_text_part(name: &str) -> bool {
    name == DOCUMENT_PART
        || (name.starts_with("word/header") || name.starts_with("word/footer")) && name.ends_with(".xml")
}

/// Reads a text part, counting its size against `budget` (what is left of [`MAX_TEXT_BYTES`]).
fn read_part(file: &mut impl Read, name: &str, budget: &mut u64) -> Result<String, TemplateError> {
    let mut bytes = Vec::new();
    file.take(*budget + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| TemplateError::NotDocx(format!("{name} cannot be read: {e}")))?;
    *budget = budget.checked_sub(bytes.len() as u64).ok_or_else(|| {
        TemplateError::NotDocx(format!("the text parts are larger than {MAX_TEXT_BYTES} bytes uncompressed"))
    })?;
    String::from_utf8(bytes).map_err(|_| TemplateError::NotDocx(format!("{name} is not UTF-8")))
}

fn open(template: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, TemplateError> {
    let archive = ZipArchive::new(Cursor::new(template))
        .map_err(|e| TemplateError::NotDocx(format!("not a zip package ({e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(TemplateError::NotDocx(format!("more than {MAX_ENTRIES} entries")));
    }
    if archive.index_for_name(DOCUMENT_PART).is_none() {
        return Err(TemplateError::NotDocx(format!("the package has no {DOCUMENT_PART}")));
    }
    Ok(archive)
}

/// The text parts of a template, normalised ([`normalise`]), with their names.
fn text_parts(template: &[u8]) -> Result<Vec<(String, String)>, TemplateError> {
    let mut archive = open(template)?;
    let mut parts = Vec::new();
    let mut budget = MAX_TEXT_BYTES;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| TemplateError::NotDocx(format!("entry {i}: {e}")))?;
        let name = file.name().map_err(|e| TemplateError::NotDocx(format!("entry {i}: {e}")))?.into_owned();
        if is_text_part(&name) {
            let xml = read_part(&mut file, &name, &mut budget)?;
            if name == DOCUMENT_PART && !xml.contains("<w:body") {
                return Err(TemplateError::NotDocx(format!("{DOCUMENT_PART} has no w:body")));
            }
            parts.push((name, normalise(&xml)));
        }
    }
    Ok(parts)
}

/// Checks a template against a form's placeholders: a Word package whose every `{{…}}` the form
/// has, with list fields and markers only in a table row of the body marked for their list.
/// Answers the placeholders used, sorted.
///
/// # Errors
/// [`TemplateError::NotDocx`], [`TemplateError::UnknownPlaceholders`] listing every offender.
pub fn check_template(template: &[u8], vocabulary: &Vocabulary) -> Result<BTreeSet<String>, TemplateError> {
    let mut used = BTreeSet::new();
    let mut bad: BTreeMap<String, String> = BTreeMap::new();
    for (name, xml) in text_parts(template)? {
        let rows = if name == DOCUMENT_PART { leaf_rows(&xml) } else { Vec::new() };
        let row_lists: Vec<Option<String>> = rows.iter().map(|r| row_list(&xml[r.clone()])).collect();
        for node in text_nodes(&xml) {
            let list_here = rows
                .iter()
                .zip(&row_lists)
                .find(|(r, _)| r.contains(&node.content.start))
                .and_then(|(_, l)| l.as_deref());
            for (_, inner) in tokens(&xml[node.content.clone()]) {
                used.insert(inner.to_owned());
                if let Some(why) = placeholder_fault(inner, list_here, vocabulary) {
                    bad.entry(inner.to_owned()).or_insert(why);
                }
            }
        }
    }
    if bad.is_empty() {
        Ok(used)
    } else {
        Err(TemplateError::UnknownPlaceholders(bad.into_iter().collect()))
    }
}

/// Why `inner` (the text between the braces) cannot be used where it is, if it cannot.
fn placeholder_fault(inner: &str, list_here: Option<&str>, vocabulary: &Vocabulary) -> Option<String> {
    let well_formed = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if let Some(list) = inner.strip_prefix('#').or_else(|| inner.strip_prefix('/')) {
        if !well_formed(list) || vocabulary.fields(list).is_none() {
            return Some("no such list in this form".to_owned());
        }
        if list_here != Some(list) {
            return Some("a list marker belongs in a table row of the body, the first marker of that row".to_owned());
        }
        return None;
    }
    if let Some((list, field)) = inner.split_once('.') {
        let Some(fields) = vocabulary.fields(list) else { return Some("no such list in this form".to_owned()) };
        if !fields.contains(&field) {
            return Some(format!("the list {list} has no field {field}"));
        }
        if list_here != Some(list) {
            return Some(format!("only inside a table row marked {{{{#{list}}}}}"));
        }
        return None;
    }
    if !well_formed(inner) || !vocabulary.scalar(inner) {
        return Some("no such placeholder in this form".to_owned());
    }
    None
}

/// Fills `template` with `values`: repeated rows first, then every `{{name}}` the values have;
/// unknown placeholders stay as written. Every part but the body, headers and footers is copied
/// unchanged.
///
/// # Errors
/// [`TemplateError::NotDocx`] when the template is not a readable package.
pub fn fill(template: &[u8], values: &FormValues) -> Result<Vec<u8>, TemplateError> {
    let mut archive = open(template)?;
    let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(template.len() + 4096)));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let broken = |e: zip::result::ZipError| TemplateError::NotDocx(e.to_string());
    let mut budget = MAX_TEXT_BYTES;
    for i in 0..archive.len() {
        let name = archive.by_index_raw(i).map_err(broken)?.name().map_err(broken)?.into_owned();
        if !is_text_part(&name) {
            writer.raw_copy_file(archive.by_index_raw(i).map_err(broken)?).map_err(broken)?;
            continue;
        }
        let xml = read_part(&mut archive.by_index(i).map_err(broken)?, &name, &mut budget)?;
        let xml = normalise(&xml);
        let xml = if name == DOCUMENT_PART { expand_rows(&xml, values) } else { xml };
        let xml = replace_tokens(&xml, |inner| values.get(inner).map(xml_text));
        writer.start_file(name, options).map_err(broken)?;
        writer.write_all(xml.as_bytes()).map_err(|e| TemplateError::NotDocx(e.to_string()))?;
    }
    Ok(writer.finish().map_err(broken)?.into_inner())
}

/// The text of a document's body, a line per paragraph (table cells each their own paragraph),
/// entities decoded: for checking what a filled form says.
///
/// # Errors
/// [`TemplateError::NotDocx`].
pub fn document_text(docx: &[u8]) -> Result<String, TemplateError> {
    let mut archive = open(docx)?;
    let mut file = archive.by_name(DOCUMENT_PART).map_err(|e| TemplateError::NotDocx(e.to_string()))?;
    let mut budget = MAX_TEXT_BYTES;
    let xml = read_part(&mut file, DOCUMENT_PART, &mut budget)?;
    let mut text = String::new();
    let mut paragraph = None;
    for node in text_nodes(&xml) {
        if paragraph.is_some_and(|p| p != node.paragraph) {
            text.push('\n');
        }
        paragraph = Some(node.paragraph);
        text.push_str(&decode_entities(&xml[node.content.clone()]));
    }
    Ok(text)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCABULARY: Vocabulary = Vocabulary {
        scalars: &["dossier_code", "applicant_name", "reason"],
        lists: &[("documents", &["index", "name"])],
    };

    /// A minimal package around `body` (the inside of `<w:body>`).
    fn package(body: &str) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        writer.start_file("[Content_Types].xml", options).unwrap();
        writer.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
        writer.start_file("word/document.xml", options).unwrap();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"urn:w\"><w:body>{body}</w:body></w:document>"
        );
        writer.write_all(xml.as_bytes()).unwrap();
        writer.start_file("word/media/logo.png", options).unwrap();
        writer.write_all(&[0x89, b'P', b'N', b'G', 0, 1, 2, 3]).unwrap();
        writer.finish().unwrap().into_inner()
    }

    fn values() -> FormValues {
        let mut v = FormValues::default();
        v.set("dossier_code", "000.17.22.H56-261125-0001").set("applicant_name", "Nguyễn <Thị> & {{reason}}");
        v.set("reason", "dòng 1\ndòng 2");
        v.push("documents", [("index", "1".to_owned()), ("name", "Tờ khai".to_owned())]);
        v.push("documents", [("index", "2".to_owned()), ("name", "CCCD".to_owned())]);
        v
    }

    fn body_xml(docx: &[u8]) -> String {
        let mut archive = ZipArchive::new(Cursor::new(docx)).unwrap();
        let mut file = archive.by_name(DOCUMENT_PART).unwrap();
        let mut xml = String::new();
        file.read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn a_placeholder_split_over_runs_is_filled_with_the_first_runs_formatting() {
        let body = "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Mã: {{dossier</w:t></w:r><w:proofErr w:type=\"spellStart\"/><w:r><w:t>_</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t xml:space=\"preserve\">code}} xong</w:t></w:r></w:p>";
        let filled = fill(&package(body), &values()).unwrap();
        let xml = body_xml(&filled);
        assert!(xml.contains("<w:b/></w:rPr><w:t xml:space=\"preserve\">Mã: 000.17.22.H56-261125-0001</w:t>"), "{xml}");
        assert!(xml.contains("<w:i/></w:rPr><w:t xml:space=\"preserve\"> xong</w:t>"), "{xml}");
        assert_eq!(document_text(&filled).unwrap(), "Mã: 000.17.22.H56-261125-0001 xong");
    }

    #[test]
    fn values_are_escaped_and_never_read_as_placeholders() {
        let body = "<w:p><w:r><w:t>{{ applicant_name }}</w:t></w:r></w:p><w:p><w:r><w:t>{{reason}}</w:t></w:r></w:p>";
        let filled = fill(&package(body), &values()).unwrap();
        let xml = body_xml(&filled);
        assert!(xml.contains("Nguyễn &lt;Thị&gt; &amp; &#123;&#123;reason&#125;&#125;"), "{xml}");
        assert!(xml.contains("dòng 1</w:t><w:br/><w:t xml:space=\"preserve\">dòng 2"), "{xml}");
        assert_eq!(document_text(&filled).unwrap(), "Nguyễn <Thị> & {{reason}}\ndòng 1dòng 2");
    }

    #[test]
    fn a_marked_row_repeats_per_item_and_vanishes_without_items() {
        let row = "<w:tr><w:tc><w:p><w:r><w:t>{{#documents}}{{documents.</w:t></w:r><w:r><w:t>index}}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>{{documents.name}} — {{dossier_code}}{{/documents}}</w:t></w:r></w:p></w:tc></w:tr>";
        let body = format!("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>TT</w:t></w:r></w:p></w:tc></w:tr>{row}</w:tbl>");
        let filled = fill(&package(&body), &values()).unwrap();
        assert_eq!(
            document_text(&filled).unwrap(),
            "TT\n1\nTờ khai — 000.17.22.H56-261125-0001\n2\nCCCD — 000.17.22.H56-261125-0001"
        );
        let mut empty = FormValues::default();
        empty.list("documents");
        assert_eq!(document_text(&fill(&package(&body), &empty).unwrap()).unwrap(), "TT");
    }

    #[test]
    fn unknown_placeholders_stay_as_written_and_other_parts_are_copied() {
        let body = "<w:p><w:r><w:t>{{nope}} {{dossier_code}}</w:t></w:r></w:p>";
        let template = package(body);
        let filled = fill(&template, &values()).unwrap();
        assert_eq!(document_text(&filled).unwrap(), "{{nope}} 000.17.22.H56-261125-0001");
        let mut archive = ZipArchive::new(Cursor::new(filled.as_slice())).unwrap();
        let mut logo = Vec::new();
        archive.by_name("word/media/logo.png").unwrap().read_to_end(&mut logo).unwrap();
        assert_eq!(logo, [0x89, b'P', b'N', b'G', 0, 1, 2, 3]);
    }

    #[test]
    fn checking_a_template_lists_every_unknown_or_misplaced_placeholder() {
        let good = "<w:p><w:r><w:t>{{dossier_</w:t></w:r><w:r><w:t>code}}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{{#documents}}{{documents.name}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
        let used = check_template(&package(good), &VOCABULARY).unwrap();
        assert_eq!(used.into_iter().collect::<Vec<_>>(), ["#documents", "documents.name", "dossier_code"]);

        let bad = "<w:p><w:r><w:t>{{ho_ten}} {{documents.name}} {{#documents}} {{applicant name}}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{{#documents}}{{documents.size}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
        let Err(TemplateError::UnknownPlaceholders(faults)) = check_template(&package(bad), &VOCABULARY) else {
            panic!("expected unknown placeholders")
        };
        let names: Vec<&str> = faults.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["#documents", "applicant name", "documents.name", "documents.size", "ho_ten"]);
    }

    #[test]
    fn a_template_whose_text_inflates_past_the_budget_is_refused() {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        writer.start_file("word/document.xml", deflated).unwrap();
        writer.write_all(b"<w:document><w:body>").unwrap();
        let spaces = vec![b' '; 1024 * 1024];
        for _ in 0..17 {
            writer.write_all(&spaces).unwrap();
        }
        writer.write_all(b"</w:body></w:document>").unwrap();
        let bomb = writer.finish().unwrap().into_inner();
        assert!(bomb.len() < 100 * 1024, "small on the wire: {}", bomb.len());
        let refused = check_template(&bomb, &VOCABULARY);
        assert!(matches!(refused, Err(TemplateError::NotDocx(m)) if m.contains("uncompressed")));
    }

    #[test]
    fn what_is_not_a_word_package_is_refused() {
        assert!(matches!(check_template(b"%PDF-1.7", &VOCABULARY), Err(TemplateError::NotDocx(_))));
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        writer.start_file("hello.txt", SimpleFileOptions::default()).unwrap();
        writer.write_all(b"hi").unwrap();
        let zip = writer.finish().unwrap().into_inner();
        assert!(
            matches!(check_template(&zip, &VOCABULARY), Err(TemplateError::NotDocx(m)) if m.contains("word/document.xml"))
        );
    }
}
