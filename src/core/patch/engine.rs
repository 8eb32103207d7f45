//! Running a list of operations on a copy of a stored document, then checking the result by
//! the same rules as a POST body: all operations apply or none does (RFC 7644 §3.5.2: "the
//! entire set of operations … MUST be applied atomically").

use serde_json::{Map, Value};

use super::add::apply_add;
use super::remove::apply_remove;
use super::replace::apply_replace;
use super::request::OpKind;
use super::shared::{check_write_only, Step};
use crate::core::error::{ScimError, ScimResult};
use crate::core::resource::body::parse_body;
use crate::core::resource::immutable::check_immutable;
use crate::core::schema::ResourceType;

/// The working copy of a document under PATCH.
pub(crate) struct Work {
    pub rt: ResourceType,
    pub doc: Map<String, Value>,
    pub password_supplied: bool,
}

impl Work {
    pub(crate) fn new(rt: ResourceType, doc: &Value) -> ScimResult<Self> {
        // The stored document is always an object; anything else is our bug, not the client's.
        let doc = doc.as_object().cloned().ok_or_else(ScimError::internal)?;
        Ok(Work {
            rt,
            doc,
            password_supplied: false,
        })
    }

    /// Applies one step to the document.
    pub(crate) fn apply(&mut self, step: &Step) -> ScimResult<()> {
        if step.is_write_only() {
            // writeOnly (password): validated, remembered, never stored.
            if step.op != OpKind::Remove && check_write_only(step)? {
                self.password_supplied = true;
            }
            return Ok(());
        }
        let value = step.value.as_ref().unwrap_or(&Value::Null);
        match step.op {
            OpKind::Add => apply_add(&mut self.doc, &step.target, value, &step.label),
            OpKind::Replace => apply_replace(&mut self.doc, &step.target, value, &step.label),
            OpKind::Remove => apply_remove(&mut self.doc, &step.target, &step.label),
        }
    }

    /// The patched document, checked as a PUT body would be: a required attribute that
    /// became unassigned is 400 mutability (RFC 7644 §3.5.2.2), immutable values must not
    /// change (RFC 7644 §3.5.1), and every value passes the POST validation again.
    pub(crate) fn finish(self, old: &Value) -> ScimResult<Value> {
        for attr in self
            .rt
            .core_schema()
            .attributes
            .iter()
            .filter(|a| a.required)
        {
            if !self.doc.contains_key(attr.name) {
                return Err(ScimError::mutability(format!(
                    "Attribute '{}' is required and cannot be removed.",
                    attr.name
                )));
            }
        }
        let checked = parse_body(self.rt, &Value::Object(self.doc))?;
        let new = Value::Object(checked.doc);
        check_immutable(self.rt, old, &new)?;
        Ok(new)
    }
}
