//! Validated value types for the request boundary (STYLE.md B2): each one is parsed once, when a
//! payload is deserialised, so services and stores only ever see values that satisfy the rules
//! below. None of them depends on actix or sea-orm.
//!
//! Every type deserialises from a bare JSON string through `TryFrom<String>`; a rejected value
//! fails the extractor with the [`Invalid`] message, which names the field and never echoes the
//! input (the input may be personal data or a password).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

/// A validation failure that points at one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The JSON field (`snake_case`) that failed, e.g. `national_id`.
    pub field: String,
    /// What is wrong, phrased for the end user; never contains the rejected value.
    pub message: String,
}

impl Invalid {
    /// Builds a failure for `field` with a user-facing `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

// The conversions every string newtype shares. `Display` is left out on purpose: `NationalId`
// and `Password` mask it, so each type writes its own.
macro_rules! string_newtype_conversions {
    ($t:ty) => {
        impl From<$t> for String {
            fn from(value: $t) -> Self {
                value.0
            }
        }

        impl FromStr for $t {
            type Err = Invalid;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::try_from(s.to_owned())
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// NationalId
// ---------------------------------------------------------------------------------------------

/// The 63 province codes of Thông tư 07/2016/TT-BCA (positions 1–3 of a personal ID number) with
/// the province names of that time, sorted by code. The 2025 province mergers do not renumber
/// existing IDs (DOMAIN.md §7.2), so this list is frozen, not reference data.
pub const PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Thành phố Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

fn province_by_code(code: &str) -> Option<&'static (&'static str, &'static str)> {
    PROVINCES.binary_search_by(|(c, _)| (*c).cmp(code)).ok().and_then(|i| PROVINCES.get(i))
}

/// Personal identification number (số định danh cá nhân, the CCCD / căn cước number): 12 ASCII
/// digits whose first three are a province code from [`PROVINCES`] (DOMAIN.md §7.2).
///
/// The number is personal data (ND 13/2023): `Display` and `Debug` print only the masked form
/// (`038******234`). The full number is available through [`NationalId::as_str`], `AsRef<str>`,
/// `String::from` and serialisation, for storage and for the owner's own responses.
///
/// Parsing checks structure and province only. The birth year and gender encoded in the number
/// are exposed through [`NationalId::birth_year`] and [`NationalId::is_male`] so that a service
/// can cross-check them against declared data and the current date; a parser cannot know "now".
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "038095001234",
    description = "Personal identification number (số định danh cá nhân): 12 digits, the first three a province code."
)]
pub struct NationalId(String);

impl TryFrom<String> for NationalId {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("national_id", "must be exactly 12 digits"));
        }
        // All bytes are ASCII digits, so byte slicing is on char boundaries.
        if province_by_code(&s[..3]).is_none() {
            return Err(Invalid::new("national_id", "must start with a valid province code"));
        }
        Ok(Self(s.to_owned()))
    }
}

string_newtype_conversions!(NationalId);

impl NationalId {
    /// The full 12-digit number. Do not log it; use [`NationalId::masked`] for that.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first three and last three digits with six stars between, e.g. `038******234`, for
    /// lists, logs and anywhere the owner is not the reader.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..3], &self.0[9..])
    }

    /// The province-of-birth-registration code (positions 1–3), e.g. `038`.
    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }

    /// The name of the province of [`NationalId::province_code`], e.g. `Thanh Hóa`.
    pub fn province_name(&self) -> &'static str {
        // The constructor only accepts listed codes; the fallback avoids a panic path that
        // cannot be reached.
        province_by_code(self.province_code()).map_or("", |(_, name)| *name)
    }

    /// The birth year encoded in positions 4–6: position 4 gives the century (0/1 → 1900s,
    /// 2/3 → 2000s, 4/5 → 2100s, …) and positions 5–6 the year within it.
    ///
    /// Compare it with the declared date of birth and with the current year: a year in the
    /// future means a typo or a forged number.
    pub fn birth_year(&self) -> i32 {
        let d = self.digit(3);
        1900 + (d / 2) * 100 + self.digit(4) * 10 + self.digit(5)
    }

    /// Whether position 4 is even, which the ID structure uses for male (odd for female).
    pub fn is_male(&self) -> bool {
        self.digit(3) % 2 == 0
    }

    fn digit(&self, index: usize) -> i32 {
        // The constructor guarantees 12 ASCII digits, so every index below 12 is a digit.
        self.0.as_bytes().get(index).map_or(0, |b| i32::from(b.saturating_sub(b'0')))
    }
}

impl AsRef<str> for NationalId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for NationalId {
    // Hand-written so that `{:?}` in a log line or a panic message never leaks the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NationalId").field(&self.masked()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------

/// An e-mail address, trimmed and lower-cased.
///
/// # Implementation Notes
/// This is deliberately not an RFC 5322 parser: quoted local parts, comments and IP-literal
/// domains are valid there but are never what a citizen means, and the only real proof of an
/// address is the confirmation mail. The checks catch typing mistakes and keep the value safe to
/// store and to put in a mail header: one `@`, a local part of 1–64 octets and a whole address of
/// at most 254 octets (RFC 5321 §4.5.3.1), no whitespace or control characters, and a domain of
/// at least two dot-separated labels of ASCII letters, digits and hyphens (internationalised
/// domains must arrive in their `xn--` form). Lower-casing the local part is technically lossy,
/// but no mainstream provider treats it as case-sensitive and it makes the column unique per
/// person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "nguyen.van.an@example.vn",
    description = "E-mail address; trimmed and lower-cased."
)]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let err = |message: &str| Invalid::new("email", message);
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(err("must not be empty"));
        }
        if s.len() > 254 {
            return Err(err("must be at most 254 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("must not contain spaces or control characters"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(err("must contain an @"));
        };
        if domain.contains('@') {
            return Err(err("must contain exactly one @"));
        }
        if local.is_empty() {
            return Err(err("must have a name before the @"));
        }
        if local.len() > 64 {
            return Err(err("the part before the @ must be at most 64 characters"));
        }
        if !domain.contains('.') {
            return Err(err("the domain must contain a dot"));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !domain.split('.').all(label_ok) {
            return Err(err("the domain must be labels of letters, digits and hyphens separated by dots"));
        }
        Ok(Self(s))
    }
}

string_newtype_conversions!(Email);

impl Email {
    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(local, _)| local)
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Password
// ---------------------------------------------------------------------------------------------

/// A candidate new password in clear text (never a hash), NFC-normalised.
///
/// Rules follow NIST SP 800-63B §5.1.1.2: a length of 8–128 characters (Unicode scalar values
/// after NFC, so "mật khẩu" typed on any keyboard counts and hashes the same), not only
/// whitespace, and not in a list of common passwords. Composition rules (one digit, one symbol…)
/// are deliberately absent: 800-63B advises against them. [`Password::check_against`] adds the
/// per-user rule (no e-mail name, no ID number).
///
/// `Debug` and `Display` print `***`; read the value only through [`Password::expose`], right
/// before hashing. It still serialises in clear, so that clients and tests can build request
/// bodies from the same DTOs: never put it in a response.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    format = Password,
    example = "Sông Hồng chảy qua 9 tỉnh",
    description = "New password: 8-128 characters, not a common password, and not containing the e-mail name or the personal ID number."
)]
pub struct Password(String);

impl Password {
    /// The fewest characters accepted.
    pub const MIN_CHARS: usize = 8;
    /// The most characters accepted; long enough for passphrases, short enough to bound the
    /// hashing cost of a hostile request.
    pub const MAX_CHARS: usize = 128;

    /// The clear-text password, for the password hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Rejects a password that contains the user's e-mail local part or national ID number,
    /// compared case-insensitively.
    ///
    /// A local part shorter than three characters is not checked: `a@x.vn` would otherwise
    /// forbid every password containing the letter "a".
    ///
    /// # Errors
    /// [`Invalid`] on the `password` field when either value appears in the password.
    pub fn check_against(&self, email: &Email, national_id: Option<&NationalId>) -> Result<(), Invalid> {
        let lower = self.0.to_lowercase();
        let local = email.local_part();
        if local.chars().count() >= 3 && lower.contains(local) {
            return Err(Invalid::new("password", "must not contain your e-mail address"));
        }
        if let Some(id) = national_id {
            if lower.contains(id.as_str()) {
                return Err(Invalid::new("password", "must not contain your personal ID number"));
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for Password {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let err = |message: &str| Invalid::new("password", message);
        // No trimming: spaces are legitimate password characters.
        let s: String = raw.nfc().collect();
        let chars = s.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(err("must be at least 8 characters"));
        }
        if chars > Self::MAX_CHARS {
            return Err(err("must be at most 128 characters"));
        }
        if s.chars().all(char::is_whitespace) {
            return Err(err("must not be only spaces"));
        }
        // Padding a listed password with spaces adds no strength, so compare it trimmed.
        let lower = s.to_lowercase();
        if is_common_password(lower.trim()) {
            return Err(err("is too common; choose a less predictable password"));
        }
        Ok(Self(s))
    }
}

string_newtype_conversions!(Password);

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Debug for Password {
    // Hand-written so that a logged request DTO never carries the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

fn is_common_password(lower: &str) -> bool {
    COMMON_PASSWORDS.binary_search(&lower).is_ok()
}

// Lower-cased, sorted (byte order) and de-duplicated so that lookup is a binary search; the
// tests pin all three. Sources: the published top lists (SplashData/NordPass yearly lists, the
// RockYou leak top entries, keyboard walks) plus passwords common with Vietnamese users and
// names of this service. Entries shorter than 8 characters are already refused by length; they
// stay so the list reads as the lists it comes from.
#[rustfmt::skip]
const COMMON_PASSWORDS: [&str; 993] = [
    "!qaz2wsx", "0000", "000000", "00000000", "000000000", "0123456", "0123456789", "098765",
    "09876543", "0987654321", "10203", "102030", "102938", "1029384756", "1111", "11111", "111111",
    "1111111", "11111111", "111111111", "1111111111", "112211", "112233", "11223344",
    "112233445566", "1212", "121212", "12121212", "121314", "123123", "123123123", "12321",
    "123321", "123321123", "1234", "123412", "12341234", "1234321", "12344321", "12345",
    "1234554321", "123456", "1234561", "12345612", "1234567", "12345678", "123456789", "1234567890",
    "1234567890q", "123456789@", "123456789a", "123456789a@", "123456789q", "12345678@",
    "12345678a", "12345678a@", "1234567a", "1234567a@", "123456@", "123456@a", "123456a",
    "123456a!", "123456a@", "123456aa", "123456abc", "12345a", "12345q", "12345qwert", "1234abcd",
    "1234qwer", "1234qwerasdf", "123654", "123654789", "123789", "123@abc", "123abc", "123qwe",
    "123qweasd", "123qweasdzxc", "1313", "131313", "13579", "135790", "135792468", "147258",
    "147258369", "147369", "147741", "147852", "147896325", "159357", "159357456", "159753",
    "159951", "1a2b3c", "1a2b3c4d", "1q2w3e", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz1qaz",
    "1qaz2wsx", "1qaz2wsx3edc", "1qazxsw2", "1qwerty", "2000", "2222", "222222", "22222222",
    "232323", "2468", "24680", "246810", "258369", "258456", "258852", "2wsx3edc", "321321",
    "321654", "3333", "333333", "3698741", "369963", "3edc4rfv", "4444", "44444444", "456123",
    "456654", "456789", "456852", "4rfv5tgb", "5555", "55555", "555555", "55555555", "654321",
    "654321a", "6666", "666666", "66666666", "696969", "741852", "741852963", "753951", "7777",
    "777777", "7777777", "77777777", "789456", "789456123", "789987", "852456", "8675309",
    "87654321", "8888", "888888", "88888888", "963852741", "987654", "987654321", "9876543210",
    "987654321a", "9999", "999999", "99999999", "a123456", "a1234567", "a12345678", "a123456789",
    "a1a1a1", "a1b2c3", "a1b2c3d4", "a@123456", "aa123456", "aaa111", "aaaa", "aaaaaa", "aaaaaaaa",
    "abc", "abc123", "abc1234", "abc12345", "abc123456", "abc@123", "abc@1234", "abcabc",
    "abcd1234", "abcd@1234", "abcdef", "abcdefg", "abcdefgh", "access", "access1", "adidas",
    "admin", "admin123", "admin1234", "admin123@", "admin@123", "admin@1234", "admin@2024",
    "admin@2025", "adminadmin", "administrator", "administrator1", "alejandro", "alexander",
    "alexandra", "alexis", "amanda", "amanda1", "amor", "amorcito", "andrea", "andrea1", "andrew",
    "andrew1", "android", "angel", "angel1", "angela", "angels", "angels1", "anhduc", "anhdung",
    "anhtuan", "anhyeuem", "anhyeuem1", "anhyeuem123", "anhyeuemnhieu", "anthony", "anthony1",
    "antonio", "apple", "apple123", "apples", "april", "arsenal", "arsenal1", "asd123", "asd123456",
    "asdasd", "asdf1234", "asdfasdf", "asdfgh", "asdfghjk", "asdfghjkl", "asdfghjkl1", "asdqwe",
    "ashley", "ashley1", "august", "austin", "autumn", "azerty", "azerty123", "baby123", "babyblue",
    "babyboy", "babygirl", "babygirl1", "badboy", "bailey", "banana", "banana1", "baomat",
    "baomat123", "barbie", "barcelona", "barney", "baseball", "baseball1", "batman", "batman1",
    "beckham", "benfica", "benjamin", "bigdaddy", "bigdog", "birthday", "biteme", "black",
    "blessed", "blue", "bongda", "bongda123", "bonita", "booboo", "boomer", "boston", "brandon",
    "brandon1", "brandy", "brother", "bubbles", "bui123", "bulldog", "bunny", "buster", "buster1",
    "butterfly", "camaro", "camila", "camon", "canada", "canbo", "canbo123", "candy", "cantho",
    "cantho123", "carlos", "carolina", "casper", "celtic", "changeme", "changeme123", "chaoban",
    "charles", "charlie", "charlie1", "charlotte", "cheese", "chelsea", "chelsea1", "chelsea123",
    "cherry", "chester", "chicago", "chicken", "chivas", "chloe", "chocolate", "chris", "chris1",
    "christ", "christmas", "christopher", "chuanbi", "cocacola", "coffee", "compaq", "computer",
    "computer1", "concho", "congan", "congan123", "conmeo", "contrasena", "cookie", "cookies",
    "corazon", "corvette", "counter", "cowboy", "cowboys", "cristiano", "crystal", "cuongnguyen",
    "cupcake", "cutie", "daddy", "dakota", "dallas", "danang", "danang123", "dang123", "daniel",
    "daniel1", "daniela", "database", "david", "december", "default", "demo", "demo123", "diablo",
    "diamond", "dichvucong", "dichvucong123", "diego", "do123", "doggie", "dolphin", "dolphins",
    "doraemon", "dragon", "dragon1", "ducanh", "duong123", "dvc123", "dvc@123", "dvcqg", "dvcqg123",
    "eagles", "eduardo", "edward", "elizabeth", "emily", "emma", "emyeuanh", "emyeuanh123",
    "emyeuanhnhieu", "enter", "enter123", "estrella", "everton", "facebook", "faith", "falcon",
    "family", "father", "february", "fender", "fernando", "ferrari", "fire", "fishing", "flower",
    "flowers", "fluffy", "football", "football1", "forest", "forever", "forever1", "fortnite",
    "francisco", "freedom", "freedom1", "friday", "friend", "friends", "gabriel", "gabriela",
    "gandalf", "garfield", "gateway", "gatita", "george", "gfhjkm", "ghbdtn", "ginger", "ginger1",
    "gmail", "god", "golden", "golden1", "golfer", "google", "grace", "green", "guest", "guest123",
    "guitar", "hack", "hacker", "haiphong", "haiphong123", "hammer", "hanhphuc", "hanhphuc123",
    "hannah", "hannah1", "hanoi", "hanoi123", "hanoi@123", "happy", "happy123", "harley",
    "harrypotter", "haslo", "heather", "heaven", "hello", "hello1", "hello123", "hellohello",
    "hellokitty", "hermosa", "hey", "hi", "ho123", "hoang123", "hoanganh", "hoangnam", "hochiminh",
    "hochiminh123", "hockey", "hoidong1", "hoilamgi", "holiday", "honey", "hongnhung", "horses",
    "hotmail", "hue123", "hunter", "hunter1", "hunter2", "huynh123", "ice", "icecream", "iceman",
    "ihateyou", "ilovehim", "iloveme", "iloveu", "iloveu2", "iloveyou", "iloveyou1", "iloveyou2",
    "internet", "internet1", "iphone", "isabella", "jackson", "james", "january", "jasmine",
    "jason", "jasper", "javier", "jelszo", "jennifer", "jennifer1", "jeremy", "jessica", "jessica1",
    "jesus", "jesus1", "jesuschrist", "johnny", "jonathan", "jordan", "jordan1", "jordan23", "jose",
    "joseph", "joshua", "joshua1", "juan", "junior", "justin", "justin1", "juventus", "kevin",
    "khongbiet", "killer", "killer1", "kimanh", "kitten", "kitty", "klaster", "knight", "lakers",
    "lananh", "lauren", "le123", "letmein", "letmein1", "letmein123", "lightning", "lily", "linda",
    "linux", "liverpool", "login", "login123", "london", "love", "love123", "lovelove", "lovely",
    "loveme", "lover", "lovers", "loveyou", "lozinka", "lucas", "ly123", "madison", "maggie",
    "manchester", "manuel", "manutd", "manutd123", "march", "maria", "marina", "marine", "mario",
    "mariposa", "marlboro", "martin", "master", "master1", "matkhau", "matkhau1", "matkhau123",
    "matkhau@123", "matkhaucuatoi", "matrix", "matrix1", "matthew", "matthew1", "maverick",
    "melissa", "melissa1", "mercedes", "merlin", "messi", "miamor", "michael", "michael1",
    "michelle", "michelle1", "mickey", "mickeymouse", "microsoft", "midnight", "miguel", "mike",
    "milan", "miller", "minecraft", "minhanh", "minhduc", "minhtuan", "minnie", "mommy", "mommy1",
    "monday", "money", "monica", "monkey", "monkey1", "monster", "moonlight", "morgan", "motcua",
    "motcua123", "motcua2024", "motcua2025", "motcua@123", "motdepasse", "mother", "mother1",
    "mountain", "muadong", "muahe", "muathu", "muaxuan", "muffin", "mustang", "mylove", "myspace",
    "myspace1", "mysql", "naruto", "naruto1", "nascar", "natalia", "natasha", "nathan", "ncc1701",
    "neymar", "nghean", "nghean123", "ngo123", "ngocanh", "ngochuong", "ngoclan", "ngocmai",
    "nguyen", "nguyen123", "nguyenvan", "nguyenvana", "nhoanh", "nhoem", "nicholas", "nicole",
    "nicole1", "nikita", "ninja", "nokia", "november", "ocean", "october", "oliver", "olivia",
    "open", "opensesame", "oracle", "orange", "orange1", "p@ssw0rd", "p@ssword", "pa55word",
    "panther", "paola", "parola", "pass", "pass123", "pass1234", "passw0rd", "password",
    "password!", "password01", "password1", "password1!", "password12", "password123", "password2",
    "password3", "passwort", "patricia", "patrick", "peaches", "peanut", "pedro", "pepper",
    "pepper1", "pham123", "phan123", "phantom", "phoenix", "phuonganh", "pikachu", "pink", "pirate",
    "player", "please", "pokemon", "pokemon1", "poohbear", "porsche", "porto", "postgres", "prince",
    "princesa", "princess", "princess1", "private", "public", "pumpkin", "puppy", "purple",
    "purple1", "q123456", "q1w2e3", "q1w2e3r4", "q1w2e3r4t5", "q1w2e3r4t5y6", "qazwsx", "qazxsw",
    "qq123456", "quanganh", "quenmatkhau", "qwaszx", "qwe123", "qwe123456", "qweasd", "qweasdzxc",
    "qweqwe", "qwer1234", "qwert", "qwerty", "qwerty!", "qwerty1", "qwerty12", "qwerty123",
    "qwerty1234", "qwerty12345", "qwertyui", "qwertyuiop", "qwertz", "rabbit", "rachel", "raiders",
    "rain", "rainbow", "ranger", "rangers", "rangers1", "realmadrid", "red", "redsox", "ricardo",
    "richard", "river", "robert", "robert1", "roberto", "roblox", "rocket", "rockstar", "ronaldo",
    "root", "root123", "rootroot", "saigon", "saigon123", "salasana", "samantha", "samantha1",
    "samsung", "samsung1", "samuel", "samurai", "sandra", "sarah", "sasuke", "scooby", "scooby1",
    "scooter", "secret", "secret1", "secret123", "senha", "senha123", "september", "sergio",
    "server", "sesame", "shadow", "shadow1", "shannon", "sifre", "silver", "silver1", "sister",
    "sky", "slayer", "smile", "smiley", "smokey", "sniper", "snoopy", "snow", "soccer", "soccer1",
    "sofia", "soldier", "sonoivu", "sony", "sophie", "sparky", "spider", "spiderman", "spongebob",
    "sporting", "spring", "star", "starlight", "stars", "starwars", "starwars1", "steelers",
    "steven", "storm", "strawberry", "summer", "summer1", "sunday", "sunrise", "sunset", "sunshine",
    "sunshine1", "superman", "superman1", "superstar", "sweet", "sweetheart", "sweetie", "sweety",
    "sysadmin", "system", "tamsao", "taylor", "teamo", "teddybear", "temp", "temp123", "tennis",
    "tequiero", "test", "test123", "test1234", "testing", "thanhcong", "thanhhoa", "thanhhoa123",
    "thanhhuyen", "thanhlong", "thanhnam", "thanhtung", "thienthan", "thienthancuaanh", "thomas",
    "thomas1", "thunder", "thunder1", "thuongyeu", "thutrang", "thuytrang", "thx1138", "tiger",
    "tigers", "tigger", "tigger1", "tinhuy", "tinhyeu", "tinhyeu123", "tinkerbell", "toor",
    "tornado", "toyota", "tran123", "trustno1", "trustno1!", "tuananh", "turtle", "tweety", "ubnd",
    "ubnd123", "ubnd@123", "ubuntu", "user", "user123", "valentina", "vananh", "veronica",
    "victoria", "vietanh", "vietnam", "vietnam1", "vietnam123", "vietnam2024", "vietnam2025",
    "vietnam@123", "vietnamvodich", "viking", "vu123", "wachtwoord", "warcraft", "warrior",
    "weekend", "welcome", "welcome1", "welcome123", "welcome2", "whatever", "whatsup", "white",
    "william", "william1", "windows", "winner", "winston", "winter", "winter1", "wizard", "xinchao",
    "xinchao123", "xsw2zaq1", "xxxxxx", "yahoo", "yamaha", "yankees", "yellow", "yellow1", "yeuanh",
    "yeuanh123", "yeuem", "yeuem123", "yeuemmaimai", "yeuemnhieu", "youtube", "ytrewq", "zaq123",
    "zaq12wsx", "zaq1xsw2", "zaq1zaq1", "zelda", "zidane", "zxc123456", "zxcasdqwe", "zxcvbn",
    "zxcvbnm", "zxcvbnm1", "zxczxc", "zzzzzz", "zzzzzzzz",
];

// ---------------------------------------------------------------------------------------------
// FullName
// ---------------------------------------------------------------------------------------------

/// A person's full name (họ và tên) as written on the ID card: trimmed, inner whitespace
/// collapsed to single spaces, NFC-normalised, 2–100 characters of letters (any script, so
/// "Nguyễn Thị Ánh" and "Ê Ban Y Blốk" pass), spaces, apostrophes (`'` or `’`), hyphens and dots.
/// It must start with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "Nguyễn Thị Ánh",
    description = "Full name: 2-100 letters, spaces, apostrophes, hyphens or dots, starting with a letter; whitespace is collapsed."
)]
pub struct FullName(String);

impl TryFrom<String> for FullName {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let err = |message: &str| Invalid::new("full_name", message);
        // NFC first: Vietnamese typed with a decomposing keyboard (macOS, some Telex setups)
        // arrives as base letter + combining marks, and the same name must compare and index
        // equal however it was typed.
        let nfc: String = raw.nfc().collect();
        let s = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
        let chars = s.chars().count();
        if chars < 2 {
            return Err(err("must be at least 2 characters"));
        }
        if chars > 100 {
            return Err(err("must be at most 100 characters"));
        }
        if !s.chars().next().is_some_and(char::is_alphabetic) {
            return Err(err("must start with a letter"));
        }
        // A combining mark is allowed after a letter because some letter + mark pairs have no
        // precomposed form, so NFC leaves them decomposed.
        let allowed = |c: char| {
            c.is_alphabetic()
                || matches!(c, ' ' | '\'' | '\u{2019}' | '-' | '.')
                || unicode_normalization::char::is_combining_mark(c)
        };
        if !s.chars().all(allowed) {
            return Err(err("may contain only letters, spaces, apostrophes, hyphens and dots"));
        }
        Ok(Self(s))
    }
}

string_newtype_conversions!(FullName);

impl FullName {
    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FullName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------------

/// A Vietnamese mobile number, stored in the national form `0xxxxxxxxx`.
///
/// Spaces, dots and hyphens are ignored. Accepted: ten digits starting `03`, `05`, `07`, `08` or
/// `09` (the mobile prefixes since the 2018 renumbering), or the same number as `+84` followed by
/// the nine digits after the `0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "0912345678",
    description = "Vietnamese mobile number, 0xxxxxxxxx or +84xxxxxxxxx; returned as 0xxxxxxxxx."
)]
pub struct Phone(String);

impl TryFrom<String> for Phone {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let compact: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        let national = match compact.strip_prefix("+84") {
            Some(rest) => format!("0{rest}"),
            None => compact,
        };
        let b = national.as_bytes();
        let ok = b.len() == 10
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'0'
            && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9');
        if ok {
            Ok(Self(national))
        } else {
            Err(Invalid::new(
                "phone",
                "must be a Vietnamese mobile number: 10 digits starting 03, 05, 07, 08 or 09, \
                 or +84 followed by 9 digits",
            ))
        }
    }
}

string_newtype_conversions!(Phone);

impl Phone {
    /// The national form, e.g. `0912345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The E.164 form, e.g. `+84912345678`, for SMS gateways.
    pub fn to_e164(&self) -> String {
        format!("+84{}", &self.0[1..])
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// AgencyCode
// ---------------------------------------------------------------------------------------------

/// An agency identifier (mã định danh) under QCVN 102:2016/BTTTT: `NNN.NN.NN.XNN`, 13
/// characters, e.g. `000.00.14.H56` (DOMAIN.md §4.1). Lower-case input is upper-cased.
///
/// Groups read right to left: the last is the level-1 unit (`H` + 2 digits for a province, `G` +
/// 2 digits for a ministry), then level 2, level 3 and level 4; an unused group is zeros. This
/// type checks the shape only: whether a code exists is data with validity dates, not a
/// constant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "000.00.14.H56",
    description = "Agency identifier under QCVN 102:2016 (NNN.NN.NN.XNN)."
)]
pub struct AgencyCode(String);

impl TryFrom<String> for AgencyCode {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|g| g.iter().all(u8::is_ascii_digit));
        let ok = b.len() == 13
            && digits(0..3)
            && b[3] == b'.'
            && digits(4..6)
            && b[6] == b'.'
            && digits(7..9)
            && b[9] == b'.'
            && b[10].is_ascii_uppercase()
            && digits(11..13);
        if ok {
            Ok(Self(s))
        } else {
            Err(Invalid::new("agency_code", "must have the form NNN.NN.NN.XNN, e.g. 000.00.14.H56"))
        }
    }
}

string_newtype_conversions!(AgencyCode);

impl AgencyCode {
    /// The code, e.g. `000.17.22.H56`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level-1 unit (last group), e.g. `H56`.
    pub fn level_1_unit(&self) -> &str {
        &self.0[10..]
    }

    /// The level-2 unit (third group; sở or former district), e.g. `22`.
    pub fn level_2_unit(&self) -> &str {
        &self.0[7..9]
    }

    /// The level-3 unit (second group; phòng or commune), e.g. `17`.
    pub fn level_3_unit(&self) -> &str {
        &self.0[4..6]
    }

    /// The level-4 unit (first group), e.g. `000`.
    pub fn level_4_unit(&self) -> &str {
        &self.0[..3]
    }

    /// Whether the level-1 unit is a province or centrally-run city (`H` + 2 digits).
    pub fn is_province_unit(&self) -> bool {
        self.0.as_bytes()[10] == b'H'
    }

    /// Whether the level-1 unit is a ministry or ministry-level body (`G` + 2 digits).
    pub fn is_ministry_unit(&self) -> bool {
        self.0.as_bytes()[10] == b'G'
    }
}

impl AsRef<str> for AgencyCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// ProcedureCode
// ---------------------------------------------------------------------------------------------

/// An administrative procedure code (mã TTHC) from the national TTHC database, e.g. `1.001612`.
///
/// Opaque (DOMAIN.md §5.4): what the leading digit means is undocumented and legacy codes such
/// as `BTP-…` still circulate, so any 1–50 characters of ASCII letters, digits, `.`, `_` and `-`
/// are accepted, case preserved. [`ProcedureCode::is_national_format`] tells the current
/// `D.DDDDDD` shape apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "1.001612",
    description = "Administrative procedure code (mã TTHC): 1-50 letters, digits, dots, underscores or hyphens."
)]
pub struct ProcedureCode(String);

impl TryFrom<String> for ProcedureCode {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let s = raw.trim();
        // Only ASCII is allowed, so the byte length is the character count.
        let ok = !s.is_empty()
            && s.len() <= 50
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new("procedure_code", "must be 1-50 letters, digits, dots, underscores or hyphens"))
        }
    }
}

string_newtype_conversions!(ProcedureCode);

impl ProcedureCode {
    /// The code as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the code has the national database shape: one digit, a dot, six digits
    /// (`1.001612`).
    pub fn is_national_format(&self) -> bool {
        let b = self.0.as_bytes();
        b.len() == 8 && b[0].is_ascii_digit() && b[1] == b'.' && b[2..].iter().all(u8::is_ascii_digit)
    }
}

impl AsRef<str> for ProcedureCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Role
// ---------------------------------------------------------------------------------------------

/// A staff role. Citizens have no role; they are a different kind of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "clerk")]
pub enum Role {
    /// Front-desk officer at the one-stop counter (cán bộ tiếp nhận): receives and returns
    /// dossiers.
    Clerk,
    /// Officer of the handling department (chuyên viên xử lý): examines dossiers.
    Specialist,
    /// Head or deputy head who approves and signs (lãnh đạo).
    Leader,
    /// System administrator: users, agencies and configuration.
    Admin,
}

impl Role {
    /// Every role, in the order a dossier usually meets them.
    pub const ALL: [Role; 4] = [Role::Clerk, Role::Specialist, Role::Leader, Role::Admin];

    /// The wire and database name: `clerk`, `specialist`, `leader` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Specialist => "specialist",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = Invalid;

    /// Accepts the snake_case name, trimmed, in any ASCII case (query strings, CLI flags).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Invalid::new("role", "must be one of clerk, specialist, leader, admin"))
    }
}

impl TryFrom<String> for Role {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        raw.parse()
    }
}

impl From<Role> for String {
    fn from(role: Role) -> Self {
        role.as_str().to_owned()
    }
}

impl AsRef<str> for Role {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// LookupSecret
// ---------------------------------------------------------------------------------------------

/// A six-character secret a citizen types, with the dossier code, to look a dossier up without
/// signing in. The alphabet is `A`–`Z` and `2`–`9` without `O`, `I`, `0` and `1`, the characters
/// people misread on a paper receipt: 32 symbols, so 30 bits per secret.
///
/// Parsing is case-insensitive and stores upper case. `Debug` prints `LookupSecret(***)` so that
/// it stays out of logs; `Display` shows it, because printing it on the receipt is its purpose.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(
    value_type = String,
    example = "K7QX3M",
    description = "Six-character dossier lookup secret from A-Z and 2-9 without O and I; case-insensitive."
)]
pub struct LookupSecret(String);

impl LookupSecret {
    /// The 32 symbols a secret is made of.
    pub const ALPHABET: &'static [u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    /// The number of characters in a secret.
    pub const LEN: usize = 6;

    /// Builds a secret from six bytes of a CSPRNG, one symbol per byte.
    ///
    /// Each byte is reduced modulo 32. That is unbiased because 256 is a multiple of 32 (every
    /// symbol is hit by exactly 8 byte values), so no rejection sampling is needed.
    pub fn from_random_bytes(bytes: &[u8; 6]) -> Self {
        let secret = bytes.iter().map(|b| char::from(Self::ALPHABET[usize::from(b % 32)])).collect();
        Self(secret)
    }

    /// The secret in upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LookupSecret {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        let ok = s.len() == Self::LEN && s.bytes().all(|b| Self::ALPHABET.contains(&b));
        if ok {
            Ok(Self(s))
        } else {
            Err(Invalid::new("lookup_secret", "must be 6 characters from A-Z and 2-9, without O and I"))
        }
    }
}

string_newtype_conversions!(LookupSecret);

impl AsRef<str> for LookupSecret {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LookupSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LookupSecret {
    // Hand-written: together with the dossier code this grants read access to a dossier.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LookupSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use utoipa::PartialSchema;

    /// Asserts that every input parses into the expected stored value.
    fn assert_parses<T>(cases: &[(&str, &str)])
    where
        T: TryFrom<String, Error = Invalid> + Into<String>,
    {
        for (input, expected) in cases {
            match T::try_from((*input).to_owned()) {
                Ok(value) => assert_eq!(value.into(), *expected, "input {input:?}"),
                Err(e) => panic!("{input:?} should be valid, got {e}"),
            }
        }
    }

    /// Asserts that every input is rejected on `field`.
    fn assert_rejects<T>(field: &str, cases: &[(&str, &str)])
    where
        T: TryFrom<String, Error = Invalid>,
    {
        for (input, why) in cases {
            match T::try_from((*input).to_owned()) {
                Ok(_) => panic!("{input:?} should be rejected ({why})"),
                Err(e) => assert_eq!(e.field, field, "input {input:?} ({why})"),
            }
        }
    }

    /// Asserts the serde contract: a bare JSON string both ways, and a bad value failing
    /// `serde_json::from_str` with the field's message.
    fn assert_serde<T>(valid: &str, invalid: &str, field: &str)
    where
        T: TryFrom<String, Error = Invalid> + Serialize + DeserializeOwned + Clone,
        String: From<T>,
    {
        let json = serde_json::to_string(valid).unwrap_or_default();
        let parsed: T = match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => panic!("{valid:?} should deserialise: {e}"),
        };
        let back = serde_json::to_string(&parsed).unwrap_or_default();
        let expected = serde_json::to_string(&String::from(parsed.clone())).unwrap_or_default();
        assert_eq!(back, expected, "serialises as the bare string");
        assert_eq!(serde_json::from_str::<T>(&back).ok().map(String::from), Some(String::from(parsed)));

        let bad_json = serde_json::to_string(invalid).unwrap_or_default();
        let message = match T::try_from(invalid.to_owned()) {
            Ok(_) => panic!("{invalid:?} should be invalid"),
            Err(e) => e.message,
        };
        match serde_json::from_str::<T>(&bad_json) {
            Ok(_) => panic!("{invalid:?} should fail to deserialise"),
            Err(e) => {
                let text = e.to_string();
                assert!(text.contains(field), "{text}");
                assert!(text.contains(&message), "{text}");
            }
        }
        // A JSON number is not a string: rejected too.
        assert!(serde_json::from_str::<T>("12").is_err());
    }

    /// Asserts the OpenAPI schema is a string whose example is itself a valid value.
    fn assert_string_schema_with_valid_example<T>()
    where
        T: PartialSchema + TryFrom<String>,
    {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        assert_eq!(schema["type"], "string", "{schema}");
        let example =
            schema["example"].as_str().or_else(|| schema["examples"][0].as_str()).unwrap_or_default().to_owned();
        assert!(!example.is_empty(), "schema has an example: {schema}");
        assert!(T::try_from(example.clone()).is_ok(), "example {example:?} is valid");
    }

    // --- Invalid -----------------------------------------------------------------------------

    #[test]
    fn invalid_displays_field_and_message() {
        let e = Invalid::new("email", "must contain an @");
        assert_eq!(e.to_string(), "email: must contain an @");
        let as_error: &dyn std::error::Error = &e;
        assert!(as_error.source().is_none());
    }

    // --- NationalId --------------------------------------------------------------------------

    #[test]
    fn province_list_has_the_63_official_codes_sorted_and_unique() {
        assert_eq!(PROVINCES.len(), 63);
        assert!(PROVINCES.windows(2).all(|w| w[0].0 < w[1].0), "sorted, unique");
        assert!(PROVINCES.iter().all(|(c, n)| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty()));
        assert_eq!(PROVINCES.first().map(|p| p.0), Some("001"));
        assert_eq!(PROVINCES.last().map(|p| p.0), Some("096"));
        let named = [
            ("001", "Hà Nội"),
            ("031", "Hải Phòng"),
            ("038", "Thanh Hóa"),
            ("048", "Đà Nẵng"),
            ("079", "Thành phố Hồ Chí Minh"),
            ("092", "Cần Thơ"),
        ];
        for (code, name) in named {
            assert_eq!(province_by_code(code).map(|p| p.1), Some(name));
        }
    }

    #[test]
    fn valid_national_ids_are_accepted_and_trimmed() {
        assert_parses::<NationalId>(&[
            ("038095001234", "038095001234"),
            ("  001200012345 ", "001200012345"),
            ("\t079399999999\n", "079399999999"),
            ("096000000000", "096000000000"),
            ("031987654321", "031987654321"),
        ]);
    }

    #[test]
    fn invalid_national_ids_are_rejected() {
        assert_rejects::<NationalId>(
            "national_id",
            &[
                ("", "empty"),
                ("03809500123", "11 digits"),
                ("0380950012345", "13 digits"),
                ("03809500123a", "letter"),
                ("038 095 001 234", "inner spaces"),
                ("038-095-001234", "hyphens"),
                ("٠٣٨٠٩٥٠٠١٢٣٤", "non-ASCII digits"),
                ("000095001234", "province 000"),
                ("003095001234", "gap in the list"),
                ("097095001234", "after Cà Mau"),
                ("100095001234", "out of range"),
                ("999095001234", "out of range"),
            ],
        );
    }

    #[test]
    fn every_listed_province_code_is_accepted_and_no_other() {
        for n in 0..1000 {
            let code = format!("{n:03}");
            let listed = PROVINCES.iter().any(|(c, _)| *c == code);
            let parsed = NationalId::try_from(format!("{code}095001234"));
            assert_eq!(parsed.is_ok(), listed, "code {code}");
        }
    }

    #[test]
    fn national_id_decodes_birth_year_and_gender() {
        let cases = [
            ("038095001234", 1995, true),
            ("038195001234", 1995, false),
            ("001200012345", 2000, true),
            ("001399012345", 2099, false),
            ("079407000000", 2107, true),
            ("079512000000", 2112, false),
            ("079600000000", 2200, true),
            ("079899000000", 2399, true),
            ("079999000000", 2399, false),
            ("079000000000", 1900, true),
        ];
        for (raw, year, male) in cases {
            let Ok(id) = NationalId::try_from(raw.to_owned()) else {
                panic!("{raw} should parse");
            };
            assert_eq!(id.birth_year(), year, "{raw}");
            assert_eq!(id.is_male(), male, "{raw}");
        }
    }

    #[test]
    fn national_id_is_masked_in_display_and_debug_but_not_in_as_str() {
        let Ok(id) = NationalId::try_from("038095001234".to_owned()) else {
            panic!("valid id");
        };
        assert_eq!(id.masked(), "038******234");
        assert_eq!(id.to_string(), "038******234");
        assert_eq!(format!("{id:?}"), "NationalId(\"038******234\")");
        assert!(!format!("{id:#?}").contains("095001"));
        assert_eq!(id.as_str(), "038095001234");
        assert_eq!(id.as_ref(), "038095001234");
        assert_eq!(id.province_code(), "038");
        assert_eq!(id.province_name(), "Thanh Hóa");
    }

    #[test]
    fn national_id_error_does_not_echo_the_input() {
        let Err(e) = NationalId::try_from("003095001234".to_owned()) else {
            panic!("should fail");
        };
        assert!(!e.to_string().contains("095001234"));
    }

    #[test]
    fn national_id_serde_and_schema() {
        assert_serde::<NationalId>("038095001234", "03809500123", "national_id");
        assert_string_schema_with_valid_example::<NationalId>();
    }

    // --- Email -------------------------------------------------------------------------------

    #[test]
    fn valid_emails_are_accepted_trimmed_and_lowercased() {
        let local64 = "a".repeat(64);
        let long_local = format!("{local64}@example.vn");
        assert_parses::<Email>(&[
            ("an@example.vn", "an@example.vn"),
            ("  Nguyen.Van.An@Example.GOV.VN ", "nguyen.van.an@example.gov.vn"),
            ("an+motcua@mail.thanhhoa.gov.vn", "an+motcua@mail.thanhhoa.gov.vn"),
            ("a@b.co", "a@b.co"),
            ("x_y-z@sub-domain.example.com", "x_y-z@sub-domain.example.com"),
            ("an@xn--thnhha-pva.vn", "an@xn--thnhha-pva.vn"),
            ("user@123.vn", "user@123.vn"),
            (long_local.as_str(), long_local.as_str()),
        ]);
        // 254 octets is the limit, so the longest address needs labels that fit 63 octets.
        let labels = format!("{}.{}.{}.vn", "c".repeat(61), "c".repeat(61), "c".repeat(62));
        let exactly_254 = format!("{local64}@{labels}");
        assert_eq!(exactly_254.len(), 254);
        assert!(Email::try_from(exactly_254).is_ok());
    }

    #[test]
    fn invalid_emails_are_rejected() {
        let local65 = format!("{}@example.vn", "a".repeat(65));
        let labels = format!("{}.{}.{}.vn", "c".repeat(61), "c".repeat(61), "c".repeat(63));
        let len_255 = format!("{}@{labels}", "a".repeat(64));
        assert_eq!(len_255.len(), 255);
        let label64 = format!("an@{}.vn", "d".repeat(64));
        assert_rejects::<Email>(
            "email",
            &[
                ("", "empty"),
                ("   ", "blank"),
                ("an.example.vn", "no @"),
                ("an@@example.vn", "two @"),
                ("an@ex@ample.vn", "two @"),
                ("@example.vn", "empty local part"),
                (local65.as_str(), "local part of 65"),
                (len_255.as_str(), "255 octets"),
                ("an@localhost", "no dot in domain"),
                ("an van@example.vn", "inner space"),
                ("an\u{7}@example.vn", "control character"),
                ("an@example..vn", "empty label"),
                ("an@.example.vn", "leading dot"),
                ("an@example.vn.", "trailing dot"),
                ("an@-example.vn", "label starts with hyphen"),
                ("an@example-.vn", "label ends with hyphen"),
                ("an@exa_mple.vn", "underscore in domain"),
                ("an@thanhhóa.vn", "non-ASCII domain"),
                (label64.as_str(), "label of 64"),
                ("an@", "empty domain"),
            ],
        );
    }

    #[test]
    fn email_parts_are_exposed() {
        let Ok(email) = Email::try_from("Nguyen.An@Example.VN".to_owned()) else {
            panic!("valid email");
        };
        assert_eq!(email.local_part(), "nguyen.an");
        assert_eq!(email.domain(), "example.vn");
        assert_eq!(email.to_string(), "nguyen.an@example.vn");
        assert_eq!(email.as_ref(), email.as_str());
    }

    #[test]
    fn email_serde_and_schema() {
        assert_serde::<Email>("an@example.vn", "an.example.vn", "email");
        assert_string_schema_with_valid_example::<Email>();
    }

    // --- Password ----------------------------------------------------------------------------

    #[test]
    fn common_password_list_is_large_sorted_lowercase_and_unique() {
        assert!(COMMON_PASSWORDS.len() >= 500, "{}", COMMON_PASSWORDS.len());
        assert!(COMMON_PASSWORDS.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(COMMON_PASSWORDS.iter().all(|p| *p == p.to_lowercase()));
        for must in [
            "123456",
            "password",
            "12345678",
            "qwerty",
            "123456789",
            "12345",
            "1234",
            "111111",
            "1234567",
            "dragon",
            "matkhau",
            "anhyeuem",
            "iloveyou",
            "123456a@",
            "motcua123",
        ] {
            assert!(is_common_password(must), "{must}");
        }
    }

    #[test]
    fn valid_passwords_are_accepted_and_nfc_normalised() {
        let max = "é".repeat(128);
        assert_parses::<Password>(&[
            ("Sông Hồng chảy qua 9 tỉnh", "Sông Hồng chảy qua 9 tỉnh"),
            ("correct horse battery staple", "correct horse battery staple"),
            ("8chars!x", "8chars!x"),
            ("  padded secret  ", "  padded secret  "),
            // Decomposed "ệ" (e + U+0302 + U+0323) is stored precomposed.
            ("Vi\u{65}\u{302}\u{323}t Nam 1945", "Vi\u{1ec7}t Nam 1945"),
            (max.as_str(), max.as_str()),
        ]);
    }

    #[test]
    fn password_length_counts_characters_after_nfc_not_bytes() {
        // Seven precomposed letters are 14 bytes but 7 characters: too short.
        assert!(Password::try_from("ệệệệệệệ".to_owned()).is_err());
        // Seven decomposed letters are 21 chars before NFC, 7 after: still too short.
        let decomposed = "e\u{302}\u{323}".repeat(7);
        assert!(Password::try_from(decomposed).is_err());
        // 128 multi-byte characters pass, 129 do not.
        assert!(Password::try_from("ệ".repeat(128)).is_ok());
        assert!(Password::try_from("ệ".repeat(129)).is_err());
    }

    #[test]
    fn invalid_passwords_are_rejected() {
        let too_long = "x".repeat(129);
        assert_rejects::<Password>(
            "password",
            &[
                ("", "empty"),
                ("1a2b3c4", "7 characters"),
                (too_long.as_str(), "129 characters"),
                ("        ", "only spaces"),
                ("\t\t\t\t\n\n\n\n", "only whitespace"),
                ("password", "common"),
                ("PASSWORD", "common, upper case"),
                ("12345678", "common"),
                ("123456789", "common"),
                ("qwertyuiop", "common"),
                ("Iloveyou", "common, capitalised"),
                ("MatKhau123", "Vietnamese common"),
                ("anhyeuem", "Vietnamese common"),
                ("123456a@", "Vietnamese common"),
                ("motcua123", "service name"),
                ("  password  ", "common, padded"),
            ],
        );
    }

    #[test]
    fn password_must_not_contain_email_name_or_national_id() {
        let (Ok(email), Ok(id)) =
            (Email::try_from("nguyenvanan@example.vn".to_owned()), NationalId::try_from("038095001234".to_owned()))
        else {
            panic!("valid inputs");
        };
        let check = |p: &str, id: Option<&NationalId>| match Password::try_from(p.to_owned()) {
            Ok(pw) => pw.check_against(&email, id).map_err(|e| e.field),
            Err(e) => panic!("{p:?} should be a valid password: {e}"),
        };
        assert!(check("Sông Hồng chảy qua 9 tỉnh", Some(&id)).is_ok());
        assert_eq!(check("NguyenVanAn#2024", None), Err("password".to_owned()));
        assert_eq!(check("x038095001234x", Some(&id)), Err("password".to_owned()));
        assert!(check("x038095001234x", None).is_ok(), "no ID given, no ID check");

        // A very short local part is not checked, or it would forbid half the alphabet.
        let Ok(short) = Email::try_from("an@example.vn".to_owned()) else {
            panic!("valid email");
        };
        let Ok(pw) = Password::try_from("banana split 77".to_owned()) else {
            panic!("valid password");
        };
        assert!(pw.check_against(&short, None).is_ok());
    }

    #[test]
    fn password_is_hidden_from_debug_and_display() {
        let Ok(pw) = Password::try_from("Sông Hồng chảy qua 9 tỉnh".to_owned()) else {
            panic!("valid password");
        };
        assert_eq!(format!("{pw:?}"), "Password(***)");
        assert_eq!(pw.to_string(), "***");
        assert_eq!(pw.expose(), "Sông Hồng chảy qua 9 tỉnh");
        let Err(e) = Password::try_from("qwertyuiop".to_owned()) else {
            panic!("common password");
        };
        assert!(!e.to_string().contains("qwerty"), "message does not echo the value");
    }

    #[test]
    fn password_serde_and_schema() {
        assert_serde::<Password>("correct horse battery staple", "short", "password");
        assert_string_schema_with_valid_example::<Password>();
    }

    // --- FullName ----------------------------------------------------------------------------

    #[test]
    fn valid_full_names_are_accepted_and_normalised() {
        let hundred = format!("A{}", "n".repeat(99));
        assert_parses::<FullName>(&[
            ("Nguyễn Thị Ánh", "Nguyễn Thị Ánh"),
            ("  Trần   Văn\tBình  ", "Trần Văn Bình"),
            ("Lê\u{a0}Đức Thọ", "Lê Đức Thọ"),
            // Decomposed input (base letters + combining marks) is stored precomposed.
            ("Nguye\u{302}\u{303}n Thi\u{323} A\u{301}nh", "Nguyễn Thị Ánh"),
            ("Ê Ban Y Blốk", "Ê Ban Y Blốk"),
            ("Mary O'Neil", "Mary O'Neil"),
            ("Mary O\u{2019}Neil", "Mary O\u{2019}Neil"),
            ("Jean-Pierre Dupont", "Jean-Pierre Dupont"),
            ("J. R. R. Tolkien", "J. R. R. Tolkien"),
            ("李小龍", "李小龍"),
            ("Ân", "Ân"),
            (hundred.as_str(), hundred.as_str()),
        ]);
    }

    #[test]
    fn invalid_full_names_are_rejected() {
        let too_long = "n".repeat(101);
        assert_rejects::<FullName>(
            "full_name",
            &[
                ("", "empty"),
                ("   ", "blank"),
                ("A", "one letter"),
                ("  Ô  ", "one letter after trimming"),
                (too_long.as_str(), "101 characters"),
                ("Nguyễn Văn 2", "digit"),
                ("Nguyễn_Văn", "underscore"),
                ("Nguyễn@Văn", "at sign"),
                ("<script>", "markup"),
                ("-An", "starts with a hyphen"),
                ("'An", "starts with an apostrophe"),
                (". .", "no letter"),
                ("An\u{200b}Bình", "zero-width space"),
                ("An 😀", "emoji"),
            ],
        );
    }

    #[test]
    fn full_name_serde_and_schema() {
        assert_serde::<FullName>("Nguyễn Thị Ánh", "A", "full_name");
        assert_string_schema_with_valid_example::<FullName>();
    }

    // --- Phone -------------------------------------------------------------------------------

    #[test]
    fn valid_phones_are_accepted_and_normalised() {
        assert_parses::<Phone>(&[
            ("0912345678", "0912345678"),
            ("0312345678", "0312345678"),
            ("0512345678", "0512345678"),
            ("0712345678", "0712345678"),
            ("0812345678", "0812345678"),
            (" 091 234 5678 ", "0912345678"),
            ("091.234.5678", "0912345678"),
            ("091-234-5678", "0912345678"),
            ("+84912345678", "0912345678"),
            ("+84 91 234 5678", "0912345678"),
            ("+84-38-123-4567", "0381234567"),
        ]);
    }

    #[test]
    fn invalid_phones_are_rejected() {
        assert_rejects::<Phone>(
            "phone",
            &[
                ("", "empty"),
                ("091234567", "9 digits"),
                ("09123456789", "11 digits"),
                ("0212345678", "landline-style prefix 02"),
                ("0412345678", "prefix 04"),
                ("0612345678", "prefix 06"),
                ("1912345678", "no leading 0"),
                ("+8491234567", "+84 with 8 digits"),
                ("+840912345678", "+84 followed by 0"),
                ("84912345678", "84 without plus"),
                ("+85912345678", "other country"),
                ("(091) 2345678", "parentheses"),
                ("09123456a8", "letter"),
                ("０９１２３４５６７８", "full-width digits"),
            ],
        );
    }

    #[test]
    fn phone_has_an_e164_form() {
        let Ok(phone) = Phone::try_from("091 234 5678".to_owned()) else {
            panic!("valid phone");
        };
        assert_eq!(phone.to_e164(), "+84912345678");
        assert_eq!(phone.to_string(), "0912345678");
        assert_eq!(phone.as_ref(), phone.as_str());
    }

    #[test]
    fn phone_serde_and_schema() {
        assert_serde::<Phone>("+84912345678", "12345", "phone");
        assert_string_schema_with_valid_example::<Phone>();
    }

    // --- AgencyCode --------------------------------------------------------------------------

    #[test]
    fn valid_agency_codes_are_accepted_and_uppercased() {
        assert_parses::<AgencyCode>(&[
            ("000.00.14.H56", "000.00.14.H56"),
            ("000.17.22.H56", "000.17.22.H56"),
            ("000.00.01.H22", "000.00.01.H22"),
            (" 000.00.14.h56 ", "000.00.14.H56"),
            ("000.00.00.G01", "000.00.00.G01"),
            ("123.45.67.Z99", "123.45.67.Z99"),
        ]);
    }

    #[test]
    fn invalid_agency_codes_are_rejected() {
        assert_rejects::<AgencyCode>(
            "agency_code",
            &[
                ("", "empty"),
                ("000.00.14.H5", "12 characters"),
                ("000.00.14.H567", "14 characters"),
                ("00.000.14.H56", "groups of wrong width"),
                ("000-00-14-H56", "hyphens"),
                ("000.00.14.556", "digit instead of letter"),
                ("000.00.14.HH6", "two letters"),
                ("A00.00.14.H56", "letter in first group"),
                ("000.0A.14.H56", "letter in second group"),
                ("000.00.1A.H56", "letter in third group"),
                ("000.00.14.Đ56", "non-ASCII letter"),
                ("000.00.14 H56", "space separator"),
                ("000 .00.14.H56", "inner space"),
            ],
        );
    }

    #[test]
    fn agency_code_exposes_its_units() {
        let Ok(code) = AgencyCode::try_from("000.17.22.h56".to_owned()) else {
            panic!("valid code");
        };
        assert_eq!(code.level_1_unit(), "H56");
        assert_eq!(code.level_2_unit(), "22");
        assert_eq!(code.level_3_unit(), "17");
        assert_eq!(code.level_4_unit(), "000");
        assert!(code.is_province_unit());
        assert!(!code.is_ministry_unit());
        let Ok(ministry) = AgencyCode::try_from("000.00.00.G12".to_owned()) else {
            panic!("valid code");
        };
        assert!(!ministry.is_province_unit());
        assert!(ministry.is_ministry_unit());
        assert_eq!(ministry.to_string(), "000.00.00.G12");
    }

    #[test]
    fn agency_code_serde_and_schema() {
        assert_serde::<AgencyCode>("000.00.14.H56", "000.00.14", "agency_code");
        assert_string_schema_with_valid_example::<AgencyCode>();
    }

    // --- ProcedureCode -----------------------------------------------------------------------

    #[test]
    fn valid_procedure_codes_are_accepted_opaque() {
        let fifty = "9".repeat(50);
        assert_parses::<ProcedureCode>(&[
            ("1.001612", "1.001612"),
            (" 2.000635 ", "2.000635"),
            ("BTP-THA-123", "BTP-THA-123"),
            ("btp_legacy.01", "btp_legacy.01"),
            ("X", "X"),
            (fifty.as_str(), fifty.as_str()),
        ]);
    }

    #[test]
    fn invalid_procedure_codes_are_rejected() {
        let fifty_one = "9".repeat(51);
        assert_rejects::<ProcedureCode>(
            "procedure_code",
            &[
                ("", "empty"),
                ("   ", "blank"),
                (fifty_one.as_str(), "51 characters"),
                ("1 001612", "inner space"),
                ("1/001612", "slash"),
                ("thủ.tục", "non-ASCII"),
                ("1.001612;drop", "semicolon"),
            ],
        );
    }

    #[test]
    fn procedure_code_recognises_the_national_format() {
        let cases = [
            ("1.001612", true),
            ("3.000001", true),
            ("1.00161", false),
            ("1.0016123", false),
            ("12.001612", false),
            ("1-001612", false),
            ("A.001612", false),
            ("BTP-001", false),
        ];
        for (raw, national) in cases {
            let Ok(code) = ProcedureCode::try_from(raw.to_owned()) else {
                panic!("{raw} is a valid opaque code");
            };
            assert_eq!(code.is_national_format(), national, "{raw}");
        }
    }

    #[test]
    fn procedure_code_serde_and_schema() {
        assert_serde::<ProcedureCode>("1.001612", "1 001612", "procedure_code");
        assert_string_schema_with_valid_example::<ProcedureCode>();
    }

    // --- Role --------------------------------------------------------------------------------

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(Role::try_from(String::from(role)), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).ok(), Some(role));
        }
        assert_eq!(" Leader ".parse::<Role>(), Ok(Role::Leader));
        assert_eq!("SPECIALIST".parse::<Role>(), Ok(Role::Specialist));
    }

    #[test]
    fn unknown_roles_are_rejected() {
        for bad in ["", "citizen", "root", "clerks", "lead er"] {
            let parsed = bad.parse::<Role>();
            assert_eq!(parsed.map_err(|e| e.field), Err("role".to_owned()), "{bad:?}");
        }
        // Serde is strict snake_case: no trimming or case folding on the wire.
        assert!(serde_json::from_str::<Role>("\"Clerk\"").is_err());
        assert!(serde_json::from_str::<Role>("\"citizen\"").is_err());
    }

    #[test]
    fn role_schema_lists_the_snake_case_names() {
        let schema = serde_json::to_value(Role::schema()).unwrap_or_default();
        assert_eq!(schema["type"], "string", "{schema}");
        assert_eq!(schema["enum"], serde_json::json!(["clerk", "specialist", "leader", "admin"]));
    }

    // --- LookupSecret ------------------------------------------------------------------------

    #[test]
    fn lookup_alphabet_is_32_unambiguous_symbols() {
        let alphabet = LookupSecret::ALPHABET;
        assert_eq!(alphabet.len(), 32);
        let mut sorted = alphabet.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 32, "no duplicates");
        for confusable in [b'O', b'I', b'0', b'1'] {
            assert!(!alphabet.contains(&confusable));
        }
        assert!(alphabet.iter().all(|b| b.is_ascii_uppercase() || (b'2'..=b'9').contains(b)));
    }

    #[test]
    fn lookup_secret_from_bytes_is_uniform_and_parseable() {
        // Every symbol is reached by exactly 256 / 32 = 8 byte values: no modulo bias.
        let mut hits = [0u32; 32];
        for b in 0..=255u8 {
            let secret = LookupSecret::from_random_bytes(&[b; 6]);
            let first = secret.as_str().as_bytes()[0];
            let pos = LookupSecret::ALPHABET.iter().position(|&a| a == first);
            match pos {
                Some(i) => hits[i] += 1,
                None => panic!("symbol outside the alphabet"),
            }
            assert_eq!(LookupSecret::try_from(secret.to_string()), Ok(secret));
        }
        assert!(hits.iter().all(|&h| h == 8), "{hits:?}");
        assert_eq!(LookupSecret::from_random_bytes(&[0, 31, 32, 255, 8, 24]).as_str(), "A9A9J2");
    }

    #[test]
    fn valid_lookup_secrets_are_accepted_case_insensitively() {
        assert_parses::<LookupSecret>(&[
            ("K7QX3M", "K7QX3M"),
            ("k7qx3m", "K7QX3M"),
            ("  abc234 ", "ABC234"),
            ("ZZZZZZ", "ZZZZZZ"),
            ("999999", "999999"),
        ]);
    }

    #[test]
    fn invalid_lookup_secrets_are_rejected() {
        assert_rejects::<LookupSecret>(
            "lookup_secret",
            &[
                ("", "empty"),
                ("K7QX3", "5 characters"),
                ("K7QX3MM", "7 characters"),
                ("K7QX0M", "zero"),
                ("K7QX1M", "one"),
                ("K7QXOM", "letter O"),
                ("K7QXIM", "letter I"),
                ("K7 X3M", "inner space"),
                ("K7QX-M", "hyphen"),
                ("K7QXẤM", "non-ASCII"),
            ],
        );
    }

    #[test]
    fn lookup_secret_is_hidden_from_debug() {
        let secret = LookupSecret::from_random_bytes(&[1, 2, 3, 4, 5, 6]);
        assert_eq!(format!("{secret:?}"), "LookupSecret(***)");
        assert_eq!(secret.to_string(), "BCDEFG");
    }

    #[test]
    fn lookup_secret_serde_and_schema() {
        assert_serde::<LookupSecret>("k7qx3m", "K7QX0M", "lookup_secret");
        assert_string_schema_with_valid_example::<LookupSecret>();
    }

    // --- A request DTO -----------------------------------------------------------------------

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // the fields exist to be deserialised
    struct RegisterRequest {
        full_name: FullName,
        email: Email,
        password: Password,
        national_id: NationalId,
        phone: Option<Phone>,
    }

    #[test]
    fn a_request_dto_deserialises_and_reports_the_bad_field() {
        let ok = r#"{"full_name":" Nguyễn  Thị Ánh ","email":"Anh@Example.vn",
            "password":"Sông Hồng chảy qua 9 tỉnh","national_id":"038195001234","phone":null}"#;
        match serde_json::from_str::<RegisterRequest>(ok) {
            Ok(req) => {
                assert_eq!(req.full_name.as_str(), "Nguyễn Thị Ánh");
                let logged = format!("{req:?}");
                assert!(!logged.contains("038195001234"), "{logged}");
                assert!(!logged.contains("Sông Hồng"), "{logged}");
            }
            Err(e) => panic!("valid request: {e}"),
        }
        let bad = ok.replace("038195001234", "003195001234");
        match serde_json::from_str::<RegisterRequest>(&bad) {
            Ok(_) => panic!("bad national_id should fail"),
            Err(e) => assert!(e.to_string().contains("national_id: must start with a valid province code"), "{e}"),
        }
    }
}
