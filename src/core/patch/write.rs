//! Writing a value at a target: what `add` and `replace` have in common. They differ only on a
//! whole multi-valued attribute (add appends, replace replaces), which `add.rs` and
//! `replace.rs` handle before calling `assign`.

use serde_json::{Map, Value};

use super::request::OpKind;
use super::select::element_from_filter;
use super::shared::{elements, get, matching, merge, set, set_elements, settle_primary, Target};
use crate::core::error::{ScimError, ScimResult};
use crate::core::resource::value::{normalize_attr, normalize_scalar, normalize_single};

/// Writes `value` at `target` (never a whole multi-valued attribute):
/// - a singular simple attribute is set (`add` on it replaces, RFC 7644 §3.5.2.1);
/// - a singular complex attribute merges the given sub-attributes;
/// - `attr.sub` of a singular complex attribute sets the sub-attribute;
/// - `attr[filter]` merges into, and `attr[filter].sub` sets the sub-attribute of, every
///   matching element; with no match the element is created from the filter's equalities
///   (Entra's `emails[type eq "work"].value`, see `select::element_from_filter`).
///
/// JSON `null` unassigns the target (RFC 7643 §2.5).
pub(crate) fn assign(
    doc: &mut Map<String, Value>,
    target: &Target,
    value: &Value,
    label: &str,
) -> ScimResult<()> {
    match target {
        Target::Extension(_) => Err(ScimError::invalid_value(format!(
            "The value for '{label}' must be a JSON object of extension attributes."
        ))),
        Target::Attr(r) => match r.sub {
            None if r.attr.is_complex() && !value.is_null() => {
                match normalize_single(r.attr, value, label)? {
                    Some(Value::Object(new)) => {
                        let merged = merge(get(doc, r), new);
                        set(doc, r, Some(merged))
                    }
                    _ => Ok(()),
                }
            }
            None => {
                let v = normalize_attr(r.attr, value, label)?;
                set(doc, r, v)
            }
            Some(_) if r.attr.multi_valued => Err(ScimError::invalid_path(format!(
                "'{label}' names a sub-attribute of every '{}' value; select values with a filter such as {}[type eq \"work\"].{}.",
                r.attr.name,
                r.attr.name,
                r.target().name
            ))),
            Some(sub) => {
                let v = normalize_scalar(sub, value, label)?;
                let mut obj = get(doc, r)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                match v {
                    Some(v) => obj.insert(sub.name.to_owned(), v),
                    None => obj.remove(sub.name),
                };
                set(doc, r, (!obj.is_empty()).then_some(Value::Object(obj)))
            }
        },
        Target::Filtered { r, filter, sub } => {
            // The sub-attributes to write into each selected element.
            let new: Map<String, Value> = match sub {
                Some(sub) => {
                    let mut m = Map::new();
                    match normalize_scalar(sub, value, label)? {
                        Some(v) => {
                            m.insert(sub.name.to_owned(), v);
                        }
                        None => return unassign_filtered(doc, target),
                    }
                    m
                }
                None => match normalize_single(r.attr, value, label)? {
                    Some(Value::Object(m)) => m,
                    _ => return Ok(()),
                },
            };
            let mut items = elements(doc, r);
            let mut chosen = matching(r.attr, filter, &items);
            if chosen.is_empty() {
                let mut created = element_from_filter(r.attr, filter, label)?;
                created.extend(new);
                items.push(Value::Object(created));
                chosen.push(items.len() - 1);
            } else {
                for &i in &chosen {
                    if let Some(slot) = items.get_mut(i) {
                        *slot = merge(Some(slot), new.clone());
                    }
                }
            }
            settle_primary(&mut items, &chosen);
            set_elements(doc, r, items)
        }
    }
}

/// `attr[filter].sub` set to `null`: the sub-attribute is removed from matching elements.
fn unassign_filtered(doc: &mut Map<String, Value>, target: &Target) -> ScimResult<()> {
    super::remove::apply_remove(doc, target, "")
}

/// Normalises the value for a whole multi-valued attribute (used by add and replace). The
/// value is the attribute's list, except for `add`, where RFC 7644 §3.5.2.1 says "if the
/// target location specifies a multi-valued attribute, a new value is added": there a lone
/// value (`"value": {"value": "a@b"}`) is that one new value. `replace` sets the whole
/// attribute, whose value the schema says is a list.
pub(crate) fn normalize_list(
    target: &Target,
    value: &Value,
    label: &str,
    op: OpKind,
) -> ScimResult<Option<(crate::core::schema::Resolved, Vec<Value>)>> {
    let Target::Attr(r) = target else {
        return Ok(None);
    };
    if !r.attr.multi_valued || r.sub.is_some() {
        return Ok(None);
    }
    let value = match value {
        Value::Object(_) if op == OpKind::Add => &Value::Array(vec![value.clone()]),
        _ => value,
    };
    let items = match normalize_attr(r.attr, value, label)? {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    Ok(Some((*r, items)))
}
