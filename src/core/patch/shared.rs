//! What every PATCH operation shares: turning an operation into steps on resolved targets
//! (including path-less values whose keys are themselves paths, RFC 7644 §3.5.2.1/§3.5.2.3),
//! and reading and writing attributes of the stored document.

use serde_json::{Map, Value};

use super::request::{OpKind, Operation};
use super::select::element_matches;
use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::{AttrPath, Filter, PatchPath};
use crate::core::filter::parse_patch_path;
use crate::core::resource::body::container_mut;
use crate::core::resource::schemas::declared_schemas;
use crate::core::resource::value::{normalize_attr, not_a_list};
use crate::core::schema::attribute::{AttributeDef, Mutability, SchemaDef};
use crate::core::schema::{resolve, Resolved, ResourceType};

/// What a PATCH path designates.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// An attribute or `attr.sub`, without a value filter.
    Attr(Resolved),
    /// `attr[filter]` or `attr[filter].sub` on a multi-valued complex attribute.
    Filtered {
        r: Resolved,
        filter: Filter,
        sub: Option<&'static AttributeDef>,
    },
    /// A whole extension object: the path is the extension's URN.
    Extension(&'static SchemaDef),
}

impl Target {
    pub(crate) fn resolved(&self) -> Option<&Resolved> {
        match self {
            Target::Attr(r) | Target::Filtered { r, .. } => Some(r),
            Target::Extension(_) => None,
        }
    }

    /// The mutability that governs writing this target: readOnly anywhere on the way wins.
    fn mutability(&self) -> Mutability {
        let (attr, sub) = match self {
            Target::Attr(r) => (r.attr, r.sub),
            Target::Filtered { r, sub, .. } => (r.attr, *sub),
            Target::Extension(_) => return Mutability::ReadWrite,
        };
        match (attr.mutability, sub.map(|s| s.mutability)) {
            (Mutability::ReadOnly, _) | (_, Some(Mutability::ReadOnly)) => Mutability::ReadOnly,
            (Mutability::WriteOnly, _) => Mutability::WriteOnly,
            (m, _) => m,
        }
    }
}

/// One operation on one resolved target.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub op: OpKind,
    pub target: Target,
    pub value: Option<Value>,
    /// The path as the client wrote it (or the key of a path-less value), for messages.
    pub label: String,
}

impl Step {
    pub(crate) fn is_write_only(&self) -> bool {
        self.target.mutability() == Mutability::WriteOnly
    }
}

/// Resolves a parsed PATCH path. Unknown attributes are 400 invalidPath naming the path.
pub(crate) fn resolve_target(rt: ResourceType, path: &PatchPath, raw: &str) -> ScimResult<Target> {
    let unknown = || ScimError::invalid_path(format!("Unknown path: {raw}."));
    let attr = &path.attr;
    if path.filter.is_none() && attr.sub.is_none() {
        if let Some(urn) = &attr.urn {
            if let Some(ext) = rt.extension(&format!("{urn}:{}", attr.name)) {
                return Ok(Target::Extension(ext));
            }
        }
    }
    let r = resolve(rt, attr).ok_or_else(unknown)?;
    let Some(filter) = &path.filter else {
        return Ok(Target::Attr(r));
    };
    if !(r.attr.multi_valued && r.attr.is_complex()) {
        return Err(ScimError::invalid_path(format!(
            "A value filter needs a multi-valued complex attribute; '{}' is not one (in '{raw}').",
            r.attr.name
        )));
    }
    let sub = match &path.sub_after_filter {
        Some(name) => Some(r.attr.sub_attribute(name).ok_or_else(unknown)?),
        None => None,
    };
    Ok(Target::Filtered {
        r,
        filter: filter.clone(),
        sub,
    })
}

/// Turns an operation into steps. An explicit path to a readOnly attribute is 400 mutability
/// (RFC 7644 §3.5.2); in a path-less value, `id`, `schemas`, `meta` (Okta sends `id`) and
/// other readOnly keys are ignored, as in a PUT body (RFC 7644 §3.5.1).
pub(crate) fn expand(rt: ResourceType, op: &Operation) -> ScimResult<Vec<Step>> {
    let mut steps = Vec::new();
    match &op.path {
        Some((path, raw)) => {
            let target = resolve_target(rt, path, raw)?;
            if target.mutability() == Mutability::ReadOnly {
                return Err(ScimError::mutability(format!(
                    "Attribute '{raw}' is readOnly and cannot be modified."
                )));
            }
            push(rt, &mut steps, op.op, target, op.value.as_ref(), raw)?;
        }
        None => {
            let Some(Value::Object(obj)) = &op.value else {
                return Err(ScimError::invalid_value(
                    "A PATCH operation without a 'path' must have a JSON object as its 'value'.",
                ));
            };
            // The URNs a path-less value lists must be ours, as in a body (`schemas.rs`);
            // the list itself is envelope.
            declared_schemas(rt, obj)?;
            for (key, value) in obj {
                if ["id", "schemas", "meta"]
                    .iter()
                    .any(|k| key.eq_ignore_ascii_case(k))
                {
                    continue;
                }
                let path = parse_patch_path(key).map_err(|e| {
                    ScimError::invalid_path(format!("Unknown path: {key} ({}).", e.detail))
                })?;
                let target = resolve_target(rt, &path, key)?;
                if target.mutability() == Mutability::ReadOnly {
                    continue;
                }
                // A path-less value holds attributes as a resource does: a multi-valued one
                // is a list (only an explicit path to it may name one value to add).
                if let Target::Attr(r) = &target {
                    if r.attr.multi_valued && r.sub.is_none() && value.is_object() {
                        return Err(not_a_list(key));
                    }
                }
                push(rt, &mut steps, op.op, target, Some(value), key)?;
            }
        }
    }
    Ok(steps)
}

/// Adds the step for `target`, expanding a whole-extension add/replace into one step per key.
///
/// An extension object is a complex attribute named by its URN, so RFC 7644 applies as to any
/// complex attribute: `add` "SHALL" add the given sub-attributes (§3.5.2.1) and `replace`
/// replaces the given ones, "sub-attributes that are not specified in the 'value' parameter
/// are left unchanged" (§3.5.2.3) — one step per key does exactly that. Clients copy the
/// extension object whole from a resource, `schemas` included: it is checked (URNs must be
/// ours) and skipped. A `null` value unassigns the extension (RFC 7643 §2.5), as `remove`
/// does.
fn push(
    rt: ResourceType,
    steps: &mut Vec<Step>,
    op: OpKind,
    target: Target,
    value: Option<&Value>,
    label: &str,
) -> ScimResult<()> {
    if let (Target::Extension(ext), OpKind::Add | OpKind::Replace, Some(Value::Object(obj))) =
        (&target, op, value)
    {
        for (key, v) in obj {
            if key.eq_ignore_ascii_case("schemas") {
                let mut envelope = Map::new();
                envelope.insert(key.clone(), v.clone());
                declared_schemas(rt, &envelope)?;
                continue;
            }
            let key_label = format!("{}:{key}", ext.id);
            let path = crate::core::schema::split_key(key)
                .filter(|p| p.urn.is_none())
                .map(|p| AttrPath {
                    urn: Some(ext.id.to_owned()),
                    ..p
                });
            let r = path
                .and_then(|p| resolve(rt, &p))
                .ok_or_else(|| ScimError::invalid_path(format!("Unknown path: {key_label}.")))?;
            let t = Target::Attr(r);
            if t.mutability() != Mutability::ReadOnly {
                push(rt, steps, op, t, Some(v), &key_label)?;
            }
        }
        return Ok(());
    }
    let op = match (&target, op, value) {
        (Target::Extension(_), OpKind::Add | OpKind::Replace, Some(Value::Null)) => OpKind::Remove,
        (Target::Extension(_), OpKind::Add | OpKind::Replace, _) => {
            return Err(ScimError::invalid_value(format!(
                "The value for '{label}' must be a JSON object of extension attributes."
            )))
        }
        _ => op,
    };
    steps.push(Step {
        op,
        target,
        value: value.cloned(),
        label: label.to_owned(),
    });
    Ok(())
}

/// The stored value of `r`'s top-level attribute.
pub(crate) fn get<'a>(doc: &'a Map<String, Value>, r: &Resolved) -> Option<&'a Value> {
    match r.extension {
        None => doc.get(r.attr.name),
        Some(ext) => doc.get(ext.id)?.get(r.attr.name),
    }
}

/// Sets (`Some`) or unassigns (`None`) `r`'s top-level attribute; an extension object left
/// empty is removed, so the stored document never holds `{}`.
pub(crate) fn set(
    doc: &mut Map<String, Value>,
    r: &Resolved,
    value: Option<Value>,
) -> ScimResult<()> {
    let container = container_mut(doc, r)?;
    match value {
        Some(v) => {
            container.insert(r.attr.name.to_owned(), v);
        }
        None => {
            container.remove(r.attr.name);
        }
    }
    if let Some(ext) = r.extension {
        if doc
            .get(ext.id)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            doc.remove(ext.id);
        }
    }
    Ok(())
}

/// Removes a whole extension object.
pub(crate) fn remove_extension(doc: &mut Map<String, Value>, ext: &SchemaDef) {
    doc.remove(ext.id);
}

/// The elements of a stored multi-valued attribute (empty when unassigned).
pub(crate) fn elements(doc: &Map<String, Value>, r: &Resolved) -> Vec<Value> {
    match get(doc, r) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}

/// Stores `items` as `r`'s value (dropping empty objects; no elements unassigns).
pub(crate) fn set_elements(
    doc: &mut Map<String, Value>,
    r: &Resolved,
    items: Vec<Value>,
) -> ScimResult<()> {
    let items: Vec<Value> = items
        .into_iter()
        .filter(|v| !v.as_object().is_some_and(Map::is_empty))
        .collect();
    set(doc, r, (!items.is_empty()).then_some(Value::Array(items)))
}

/// Indices of the elements that match a value filter.
pub(crate) fn matching(attr: &AttributeDef, filter: &Filter, items: &[Value]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, el)| element_matches(attr, filter, el))
        .map(|(i, _)| i)
        .collect()
}

/// When the elements at `chosen` were written with `primary: true`, every other element
/// loses it (RFC 7643 §2.4: at most one primary), and among `chosen` the last one keeps it.
pub(crate) fn settle_primary(items: &mut [Value], chosen: &[usize]) {
    let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
    let Some(&keep) = chosen
        .iter()
        .rev()
        .find(|&&i| items.get(i).is_some_and(is_primary))
    else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if i != keep && is_primary(item) {
            if let Some(obj) = item.as_object_mut() {
                obj.insert("primary".to_owned(), Value::Bool(false));
            }
        }
    }
}

/// Merges the normalised sub-attributes of `new` into `old` (RFC 7644 §3.5.2.1/§3.5.2.3:
/// "Sub-attributes that are not specified in the value parameter are left unchanged").
pub(crate) fn merge(old: Option<&Value>, new: Map<String, Value>) -> Value {
    let mut out = old.and_then(Value::as_object).cloned().unwrap_or_default();
    out.extend(new);
    Value::Object(out)
}

/// Validates a writeOnly value (password): it is checked like any other, then dropped.
pub(crate) fn check_write_only(step: &Step) -> ScimResult<bool> {
    let (Some(r), Some(v)) = (step.target.resolved(), &step.value) else {
        return Ok(false);
    };
    Ok(normalize_attr(r.target(), v, &step.label)?.is_some())
}
