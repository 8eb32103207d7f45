//! Reading a POST or PUT body (RFC 7644 §3.3, §3.5.1) into the stored-document form: keys are
//! canonical attribute names, extension attributes sit under their schema URN, and nothing the
//! service computes or must not keep (`id`, `meta`, `schemas`, `password`, `groups`,
//! `members`) is stored.
//!
//! Unknown attributes are rejected with 400 `invalidValue`: RFC 7644 §3.12 defines it for a
//! value "not compatible with the … resource schema", and naming the attribute in the detail
//! lets the admin delete the offending IdP mapping.

use serde_json::{Map, Value};

use super::schemas::{declared_schemas, undeclared};
use super::value::{duplicate, normalize_attr, normalize_scalar};
use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::AttrPath;
use crate::core::schema::attribute::Mutability;
use crate::core::schema::{resolve, split_key, Resolved, ResourceType};

/// A body split into what is stored and what the service handles itself.
#[derive(Debug)]
pub(crate) struct RawBody {
    pub doc: Map<String, Value>,
    /// A writeOnly `password` was sent (it is validated, then dropped).
    pub password_supplied: bool,
    /// The Group `members` value as sent, when present (even `null`).
    pub members: Option<Value>,
}

pub(crate) fn parse_body(rt: ResourceType, body: &Value) -> ScimResult<RawBody> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "The request body must be a JSON object.",
        ));
    };
    let mut out = RawBody {
        doc: Map::new(),
        password_supplied: false,
        members: None,
    };
    let declared = declared_schemas(rt, obj)?;
    for (key, value) in obj {
        // Checked above (`schemas.rs`); envelope, not stored.
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ext) = rt.extension(key) {
            if !declared.allows(ext) {
                return Err(undeclared(ext));
            }
            let inner = match value {
                Value::Null => continue,
                Value::Object(inner) => inner,
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "Attribute '{}' must be a JSON object of extension attributes.",
                        ext.id
                    )))
                }
            };
            for (inner_key, inner_value) in inner {
                let resolved = split_key(inner_key)
                    .filter(|p| p.urn.is_none())
                    .and_then(|p| {
                        resolve(
                            rt,
                            &AttrPath {
                                urn: Some(ext.id.to_owned()),
                                ..p
                            },
                        )
                    })
                    .ok_or_else(|| unknown(&format!("{}:{inner_key}", ext.id)))?;
                put(&mut out, rt, &resolved, inner_value)?;
            }
            continue;
        }
        let resolved = split_key(key)
            .and_then(|p| resolve(rt, &p))
            .ok_or_else(|| unknown(key))?;
        put(&mut out, rt, &resolved, value)?;
    }
    check_required(rt, &out.doc)?;
    Ok(out)
}

pub(crate) fn unknown(name: &str) -> ScimError {
    ScimError::invalid_value(format!("Attribute '{name}' is not defined by the schema."))
}

/// Stores one resolved attribute (or sub-attribute) value.
fn put(out: &mut RawBody, rt: ResourceType, r: &Resolved, value: &Value) -> ScimResult<()> {
    let label = r.canonical_name();
    if rt == ResourceType::Group && r.extension.is_none() && r.attr.name == "members" {
        if r.sub.is_some() {
            return Err(ScimError::invalid_value(format!(
                "Attribute '{label}' cannot be set on its own; send 'members' as a list."
            )));
        }
        if out.members.replace(value.clone()).is_some() {
            return Err(duplicate("members"));
        }
        return Ok(());
    }
    match r.target().mutability {
        // RFC 7644 §3.5.1: readOnly values "SHALL be ignored" (id, meta, User groups).
        Mutability::ReadOnly => return Ok(()),
        // writeOnly (password): type-checked, never stored, never echoed.
        Mutability::WriteOnly => {
            if normalize_attr(r.target(), value, &label)?.is_some() {
                out.password_supplied = true;
            }
            return Ok(());
        }
        Mutability::ReadWrite | Mutability::Immutable => {}
    }
    if r.attr.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let normalized = match r.sub {
        Some(sub) => {
            if r.attr.multi_valued {
                return Err(ScimError::invalid_value(format!(
                    "Attribute '{label}' names a sub-attribute of a multi-valued attribute; send '{}' as a list.",
                    r.attr.name
                )));
            }
            normalize_scalar(sub, value, &label)?
        }
        None => normalize_attr(r.attr, value, &label)?,
    };
    let Some(normalized) = normalized else {
        return Ok(());
    };
    let container = container_mut(&mut out.doc, r)?;
    match r.sub {
        None => {
            if container.contains_key(r.attr.name) {
                return Err(duplicate(&label));
            }
            container.insert(r.attr.name.to_owned(), normalized);
        }
        Some(sub) => {
            let parent = container
                .entry(r.attr.name.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(parent) = parent else {
                return Err(duplicate(&label));
            };
            if parent.insert(sub.name.to_owned(), normalized).is_some() {
                return Err(duplicate(&label));
            }
        }
    }
    Ok(())
}

/// The object holding `r`'s top-level attribute: the document itself, or the extension object
/// under its URN (created when missing or not an object).
pub(crate) fn container_mut<'a>(
    doc: &'a mut Map<String, Value>,
    r: &Resolved,
) -> ScimResult<&'a mut Map<String, Value>> {
    let Some(ext) = r.extension else {
        return Ok(doc);
    };
    let slot = doc
        .entry(ext.id.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().ok_or_else(ScimError::internal)
}

/// RFC 7643 §2.2 "required": the core schema's required attributes must have a non-empty
/// value (RFC 7644 §3.12: "A required value was missing" → invalidValue).
pub(crate) fn check_required(rt: ResourceType, doc: &Map<String, Value>) -> ScimResult<()> {
    for attr in rt.core_schema().attributes.iter().filter(|a| a.required) {
        match doc.get(attr.name) {
            None => {
                return Err(ScimError::invalid_value(format!(
                    "Attribute '{}' is required.",
                    attr.name
                )))
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(ScimError::invalid_value(format!(
                    "Attribute '{}' must not be empty.",
                    attr.name
                )))
            }
            Some(_) => {}
        }
    }
    Ok(())
}
