//! Golden tests of canonical forms, one test per error position, and a generated round-trip
//! check: `parse(print(f)) == f`.

use crate::core::error::ScimType;
use crate::core::filter::ast::{AttrPath, CompareOp, Filter, Literal};
use crate::core::filter::{parse_filter, parse_patch_path, MAX_FILTER_DEPTH, MAX_FILTER_LEN};

fn canon(input: &str) -> String {
    match parse_filter(input) {
        Ok(f) => f.to_string(),
        Err(e) => panic!("{input:?} failed: {}", e.detail),
    }
}

fn err(input: &str) -> String {
    let e = parse_filter(input).expect_err(input);
    assert_eq!(e.status, 400);
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    e.detail
}

#[test]
fn golden_canonical_forms() {
    let cases = [
        ("userName eq \"bjensen\"", "userName eq \"bjensen\""),
        ("userName EQ \"bjensen\"", "userName eq \"bjensen\""),
        ("  userName   Eq   \"bjensen\"  ", "userName eq \"bjensen\""),
        ("name.familyName co \"O'Malley\"", "name.familyName co \"O'Malley\""),
        ("userName sw \"J\"", "userName sw \"J\""),
        ("title pr", "title pr"),
        ("title PR", "title pr"),
        (
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
        ),
        ("title pr and userType eq \"Employee\"", "title pr and userType eq \"Employee\""),
        ("title pr OR userType eq \"Intern\"", "title pr or userType eq \"Intern\""),
        (
            "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
            "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
        ),
        (
            "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
            "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
        ),
        (
            "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
            "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        ),
        (
            "userType eq \"Employee\" and (emails.type eq \"work\")",
            "userType eq \"Employee\" and emails.type eq \"work\"",
        ),
        (
            "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
            "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
        ),
        (
            "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
            "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
        ),
        // Precedence: `and` binds tighter than `or`; parentheses only where needed.
        ("a pr or b pr and c pr", "a pr or b pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("((a pr))", "a pr"),
        ("not(a pr)", "not (a pr)"),
        ("NOT  (a pr)", "not (a pr)"),
        // URN-qualified paths.
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"Sales\"",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"Sales\"",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"",
        ),
        // Literals.
        ("active eq true and x eq false", "active eq true and x eq false"),
        ("a eq 0", "a eq 0"),
        ("a eq -0.5e-2", "a eq -0.005"),
        ("a eq false", "a eq false"),
        ("a eq null", "a eq null"),
        ("a gt 10", "a gt 10"),
        ("a gt -1.5", "a gt -1.5"),
        ("a eq 1e3", "a eq 1000.0"),
        (r#"displayName eq "This is \"test\" group.""#, r#"displayName eq "This is \"test\" group.""#),
        (r#"displayName eq "back\\slash""#, r#"displayName eq "back\\slash""#),
        (r#"displayName eq "\u00e9t\u00e9""#, "displayName eq \"été\""),
        ("displayName eq \"EDU All personal\"", "displayName eq \"EDU All personal\""),
        // Entra's value path followed by a sub-attribute comparison.
        (
            "emails[type eq \"work\"].value eq \"user@contoso.com\"",
            "emails[type eq \"work\" and value eq \"user@contoso.com\"]",
        ),
        (
            "emails[type eq \"work\" or primary eq true].value pr",
            "emails[(type eq \"work\" or primary eq true) and value pr]",
        ),
        ("members[value eq \"id\"]", "members[value eq \"id\"]"),
        ("id eq \"g1\" and members eq \"u1\"", "id eq \"g1\" and members eq \"u1\""),
        ("meta.$ref pr", "meta.$ref pr"),
    ];
    for (input, expected) in cases {
        assert_eq!(canon(input), expected, "input {input:?}");
        // The canonical form is a fixed point.
        assert_eq!(canon(expected), expected);
    }
}

#[test]
fn parsed_structure_is_as_the_rfc_says() {
    let f = parse_filter("a pr or b pr and not (c pr)").unwrap();
    let path = |n: &str| AttrPath {
        urn: None,
        name: n.into(),
        sub: None,
    };
    assert_eq!(
        f,
        Filter::Or(
            Box::new(Filter::Present(path("a"))),
            Box::new(Filter::And(
                Box::new(Filter::Present(path("b"))),
                Box::new(Filter::Not(Box::new(Filter::Present(path("c"))))),
            )),
        )
    );
    let f = parse_filter(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\"",
    )
    .unwrap();
    assert_eq!(
        f,
        Filter::Compare {
            path: AttrPath {
                urn: Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into()),
                name: "manager".into(),
                sub: Some("value".into()),
            },
            op: CompareOp::Eq,
            value: Literal::String("x".into()),
        }
    );
}

#[test]
fn error_positions_name_what_was_expected() {
    let cases = [
        ("", "Invalid filter at position 1: expected an attribute path, found the end of the input."),
        ("   ", "Invalid filter at position 4: expected an attribute path, found the end of the input."),
        ("userName xx \"a\"", "Invalid filter at position 10: expected a comparison operator or \"pr\", found \"xx\"."),
        ("userName eqx \"a\"", "Invalid filter at position 10: expected a comparison operator or \"pr\", found \"eqx\"."),
        ("userName", "Invalid filter at position 9: expected a comparison operator or \"pr\", found the end of the input."),
        ("userName eq", "Invalid filter at position 12: expected a value, found the end of the input."),
        ("userName eq )", "Invalid filter at position 13: expected a value, found \")\"."),
        ("userName eq \"a", "Invalid filter at position 13: unterminated string."),
        ("userName eq \"a\" xor b pr", "Invalid filter at position 17: expected \"and\", \"or\" or the end of the filter, found \"xor\"."),
        ("userName eq \"a\" and", "Invalid filter at position 20: expected an attribute path, found the end of the input."),
        ("a pr)", "Invalid filter at position 5: unmatched \")\"."),
        ("(a pr", "Invalid filter at position 6: expected \"and\", \"or\" or \")\", found the end of the input."),
        ("emails[type eq \"work\"", "Invalid filter at position 22: expected \"and\", \"or\" or \"]\", found the end of the input."),
        ("emails[type[value pr]]", "Invalid filter at position 12: value filters cannot be nested."),
        ("emails[emails.type eq \"w\"]", "Invalid filter at position 15: expected a sub-attribute name, found \"type\"."),
        ("emails.type[value pr]", "Invalid filter at position 12: a value filter must follow an attribute, not a sub-attribute."),
        ("emails[type eq \"w\"].", "Invalid filter at position 21: expected a sub-attribute name, found the end of the input."),
        ("emails[type eq \"w\"].value", "Invalid filter at position 26: expected a comparison operator or \"pr\", found the end of the input."),
        ("1abc eq \"x\"", "Invalid filter at position 1: expected an attribute name, found \"1abc\"."),
        ("name.given.x eq \"x\"", "Invalid filter at position 6: expected a sub-attribute name, found \"given.x\"."),
        ("foo:bar eq \"x\"", "Invalid filter at position 1: expected an attribute name, found \"foo:bar\"."),
        ("urn:a:b: eq \"x\"", "Invalid filter at position 9: expected an attribute name, found \"\"."),
        ("é eq 1", "Invalid filter at position 1: expected an attribute path, found \"é\"."),
        ("userName eq \"é\" or é", "Invalid filter at position 20: expected an attribute path, found \"é\"."),
        ("not a pr", "Invalid filter at position 5: expected a comparison operator or \"pr\", found \"a\"."),
        (r#"a eq "bad\q""#, "Invalid filter at position 6: invalid string literal (invalid escape)."),
    ];
    for (input, expected) in cases {
        assert_eq!(err(input), expected, "input {input:?}");
    }
}

/// RFC 7644 §3.4.2.2: `compValue = false / null / true / number / string`, "rules from
/// JSON". Everything else in value position is refused, wherever a value may stand.
#[test]
fn comparison_values_are_json_literals_only() {
    let not_json = "a value is a double-quoted string, a number, true, false or null";
    let cases = [
        ("userName eq bob", 13, "bob", not_json),
        (
            "userName eq 'bob'",
            13,
            "'bob'",
            "strings are enclosed in double quotes, not single quotes",
        ),
        (
            "userName eq 'bob smith'",
            13,
            "'bob",
            "strings are enclosed in double quotes, not single quotes",
        ),
        (
            "active eq True",
            11,
            "True",
            "true, false and null are lower-case",
        ),
        (
            "active eq FALSE",
            11,
            "FALSE",
            "true, false and null are lower-case",
        ),
        (
            "nickName eq Null",
            13,
            "Null",
            "true, false and null are lower-case",
        ),
        (
            "meta.lastModified gt 2011-05-13T04:42:34Z",
            22,
            "2011-05-13T04:42:34Z",
            not_json,
        ),
        ("externalId eq 9edf3db5-a1b2", 15, "9edf3db5-a1b2", not_json),
        ("x eq 012", 6, "012", not_json),
        ("x eq +1", 6, "+1", not_json),
        ("x eq .5", 6, ".5", not_json),
        ("x eq 1.", 6, "1.", not_json),
        ("x eq 1e999", 6, "1e999", not_json),
        ("x eq 0x10", 6, "0x10", not_json),
        ("x eq NaN", 6, "NaN", not_json),
        ("x eq -", 6, "-", not_json),
        ("x eq \u{1}", 6, "\\u{1}", not_json),
        (
            "userName eq \"a\" or name.familyName eq smith",
            39,
            "smith",
            not_json,
        ),
        ("emails[type eq work]", 16, "work]", not_json),
        ("not (userName eq bob)", 18, "bob)", not_json),
    ];
    for (input, position, word, hint) in cases {
        let word = word.trim_end_matches([']', ')']);
        assert_eq!(
            err(input),
            format!("Invalid filter at position {position}: \"{word}\" is not a value ({hint})."),
            "input {input:?}"
        );
    }
    // The same rule in PATCH value-filter paths, as invalidPath.
    for path in [
        "members[value eq abc]",
        "emails[type eq 'work'].value",
        "emails[primary eq True]",
    ] {
        let e = parse_patch_path(path).expect_err(path);
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{path}");
        assert!(e.detail.contains("is not a value"), "{}", e.detail);
    }
}

#[test]
fn hostile_inputs_hit_limits_not_the_stack() {
    let deep = format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(err(&deep).contains("longer than"));
    let deep = format!(
        "{}a pr{}",
        "(".repeat(MAX_FILTER_DEPTH + 1),
        ")".repeat(MAX_FILTER_DEPTH + 1)
    );
    assert!(
        err(&deep).contains("nesting is deeper than 32 levels"),
        "{}",
        err(&deep)
    );
    let ok = format!(
        "{}a pr{}",
        "(".repeat(MAX_FILTER_DEPTH),
        ")".repeat(MAX_FILTER_DEPTH)
    );
    assert_eq!(canon(&ok), "a pr");
    let nots = "not (".repeat(MAX_FILTER_DEPTH + 1);
    assert!(err(&nots).contains("nesting is deeper"));
    let long = "a pr and ".repeat(60) + "a pr";
    assert!(err(&long).contains("more than 40 comparisons"));
    let too_long = format!("userName eq \"{}\"", "x".repeat(MAX_FILTER_LEN));
    assert!(err(&too_long).contains("longer than 4096 bytes"));
}

#[test]
fn patch_paths_parse_and_print() {
    let cases = [
        ("members", "members"),
        ("name.givenName", "name.givenName"),
        ("members[value eq \"id\"]", "members[value eq \"id\"]"),
        (
            "emails[type eq \"work\"].value",
            "emails[type eq \"work\"].value",
        ),
        (
            "addresses[type eq \"work\"].locality",
            "addresses[type eq \"work\"].locality",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ),
        ("Members[Value EQ \"id\"]", "Members[Value eq \"id\"]"),
    ];
    for (input, expected) in cases {
        let p = parse_patch_path(input).unwrap_or_else(|e| panic!("{input}: {}", e.detail));
        assert_eq!(p.to_string(), expected);
    }
    let p = parse_patch_path("emails[type eq \"work\"].value").unwrap();
    assert_eq!(p.attr.name, "emails");
    assert_eq!(p.sub_after_filter.as_deref(), Some("value"));
    let p = parse_patch_path("name.givenName").unwrap();
    assert_eq!(p.attr.sub.as_deref(), Some("givenName"));
    assert!(p.filter.is_none());
}

#[test]
fn patch_path_errors_are_invalid_path_with_position() {
    let cases = [
        ("", "Invalid path at position 1: expected an attribute path, found the end of the input."),
        ("members[value eq \"id\"", "Invalid path at position 22: expected \"and\", \"or\" or \"]\", found the end of the input."),
        ("members[value eq \"id\"] x", "Invalid path at position 24: expected the end of the path, found \"x\"."),
        ("emails[type eq \"work\"].", "Invalid path at position 24: expected a sub-attribute name, found the end of the input."),
        ("name.givenName eq \"x\"", "Invalid path at position 16: expected the end of the path, found \"eq\"."),
        ("members[value xx \"id\"]", "Invalid path at position 15: expected a comparison operator or \"pr\", found \"xx\"."),
    ];
    for (input, expected) in cases {
        let e = parse_patch_path(input).expect_err(input);
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
        assert_eq!(e.detail, expected, "input {input:?}");
    }
}

/// A small deterministic generator (xorshift), so the test needs no extra dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn gen_path(rng: &mut Rng, relative: bool) -> AttrPath {
    let name = rng
        .pick(&["userName", "emails", "name", "a", "x-y_z", "$ref"])
        .to_owned();
    if relative {
        return AttrPath {
            urn: None,
            name,
            sub: None,
        };
    }
    let urn = (rng.below(4) == 0).then(|| {
        rng.pick(&[
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:x",
        ])
        .to_owned()
    });
    let sub = (rng.below(3) == 0).then(|| rng.pick(&["value", "givenName", "$ref"]).to_owned());
    AttrPath { urn, name, sub }
}

fn gen_literal(rng: &mut Rng) -> Literal {
    match rng.below(6) {
        0 => Literal::Bool(rng.below(2) == 0),
        1 => Literal::Null,
        2 => Literal::Number((rng.next() as i64 % 1000).into()),
        3 => Literal::Number(
            serde_json::Number::from_f64((rng.below(10_000) as f64) / 8.0 - 3.0).unwrap(),
        ),
        _ => Literal::String(
            rng.pick(&[
                "",
                "a b",
                "q\"uo\\te",
                "é😀",
                "\u{1}\n\t",
                "and",
                ")",
                "%_'",
            ])
            .to_owned(),
        ),
    }
}

fn gen_filter(rng: &mut Rng, depth: u32, relative: bool) -> Filter {
    let leaf = depth == 0 || rng.below(3) == 0;
    if leaf {
        let path = gen_path(rng, relative);
        return if rng.below(5) == 0 {
            Filter::Present(path)
        } else {
            let ops = [
                CompareOp::Eq,
                CompareOp::Ne,
                CompareOp::Co,
                CompareOp::Sw,
                CompareOp::Ew,
                CompareOp::Gt,
                CompareOp::Lt,
                CompareOp::Ge,
                CompareOp::Le,
            ];
            let op = ops[rng.below(ops.len() as u64) as usize];
            Filter::Compare {
                path,
                op,
                value: gen_literal(rng),
            }
        };
    }
    match rng.below(if relative { 3 } else { 4 }) {
        0 => Filter::And(
            Box::new(gen_filter(rng, depth - 1, relative)),
            Box::new(gen_filter(rng, depth - 1, relative)),
        ),
        1 => Filter::Or(
            Box::new(gen_filter(rng, depth - 1, relative)),
            Box::new(gen_filter(rng, depth - 1, relative)),
        ),
        2 => Filter::Not(Box::new(gen_filter(rng, depth - 1, relative))),
        _ => Filter::ValuePath {
            attr: AttrPath {
                urn: None,
                name: "emails".into(),
                sub: None,
            },
            filter: Box::new(gen_filter(rng, depth - 1, true)),
        },
    }
}

#[test]
fn printed_filters_reparse_to_the_same_tree() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5_000 {
        let f = gen_filter(&mut rng, 4, false);
        let printed = f.to_string();
        match parse_filter(&printed) {
            Ok(back) => assert_eq!(back, f, "printed {printed}"),
            // Generated trees may exceed the comparison limit; that must be the only failure.
            Err(e) => assert!(e.detail.contains("comparisons"), "{printed}: {}", e.detail),
        }
    }
}

#[test]
fn mutated_inputs_never_panic_and_reparse_when_accepted() {
    let seeds = [
        "emails[type eq \"work\" and value co \"@example.com\"] or not (userName sw \"a\")",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\"",
        "emails[type eq \"work\"].value eq \"user@contoso.com\"",
    ];
    let alphabet: Vec<char> = "()[]\". :\\aeqndort1-éu".chars().collect();
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let mut chars: Vec<char> = seeds[rng.below(3) as usize].chars().collect();
        for _ in 0..=rng.below(3) {
            let i = rng.below(chars.len() as u64 + 1) as usize;
            match rng.below(3) {
                0 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.insert(
                    i.min(chars.len()),
                    alphabet[rng.below(alphabet.len() as u64) as usize],
                ),
            }
        }
        let input: String = chars.into_iter().collect();
        if let Ok(f) = parse_filter(&input) {
            assert_eq!(
                parse_filter(&f.to_string()).as_ref(),
                Ok(&f),
                "input {input}"
            );
        }
    }
}
