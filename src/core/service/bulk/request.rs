//! The `BulkRequest` message (RFC 7644 §3.7): its operations, parsed one by one so that a bad
//! operation fails alone (its own result) while a request that is not a bulk request at all,
//! or is over the advertised limits, is refused as a whole.

use crate::core::error::{ScimError, ScimType};
use crate::core::schema::ResourceType;
use serde_json::{Map, Value};

pub(crate) const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// RFC 7644 §3.7: "maxOperations" advertised in /ServiceProviderConfig. Room for an org's
/// directory of a thousand users with its groups in one request; the 4 MiB body limit
/// (`maxPayloadSize`) bounds it as well.
pub(crate) const MAX_OPERATIONS: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BulkMethod {
    Post,
    Put,
    Patch,
    Delete,
}

impl BulkMethod {
    fn parse(text: &str) -> Option<BulkMethod> {
        match text.to_ascii_uppercase().as_str() {
            "POST" => Some(BulkMethod::Post),
            "PUT" => Some(BulkMethod::Put),
            "PATCH" => Some(BulkMethod::Patch),
            "DELETE" => Some(BulkMethod::Delete),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BulkMethod::Post => "POST",
            BulkMethod::Put => "PUT",
            BulkMethod::Patch => "PATCH",
            BulkMethod::Delete => "DELETE",
        }
    }
}

/// One operation as sent (before `bulkId:` references are resolved).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    pub method: BulkMethod,
    pub bulk_id: Option<String>,
    /// The `version` (an ETag): the operation's `If-Match` (RFC 7644 §3.7, §3.14).
    pub version: Option<String>,
    pub path: String,
    pub data: Option<Value>,
}

/// What the result of an operation echoes, known even when the operation is malformed.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Echo {
    pub method: String,
    pub bulk_id: Option<String>,
}

/// A parsed request: each operation, or why it cannot run.
#[derive(Debug)]
pub(crate) struct BulkRequest {
    pub fail_on_errors: Option<usize>,
    pub operations: Vec<(Echo, Result<Operation, ScimError>)>,
}

/// SCIM attribute names are case-insensitive (RFC 7643 §2.1).
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

pub(crate) fn parse(body: &Value) -> Result<BulkRequest, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("A BulkRequest must be a JSON object."))?;
    let schemas_ok = field(object, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(BULK_REQUEST)));
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!(
            "A BulkRequest must list the schema {BULK_REQUEST}."
        )));
    }
    let fail_on_errors = match field(object, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => {
                return Err(ScimError::invalid_value(
                    "'failOnErrors' must be a positive integer.",
                ))
            }
        },
    };
    let operations = field(object, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("A BulkRequest needs an 'Operations' array."))?;
    // RFC 7644 §3.7.4: over maxOperations, 413 without processing anything.
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::new(
            413,
            Some(ScimType::TooMany),
            format!(
                "The bulk request has {} operations; maxOperations is {MAX_OPERATIONS}.",
                operations.len()
            ),
        ));
    }
    let operations: Vec<_> = operations.iter().map(parse_operation).collect();
    let mut seen = std::collections::HashSet::new();
    for (echo, _) in &operations {
        if let Some(id) = &echo.bulk_id {
            if !seen.insert(id.as_str()) {
                return Err(ScimError::invalid_value(format!(
                    "bulkId '{id}' is used by more than one operation; bulkIds must be unique \
                     within a request."
                )));
            }
        }
    }
    Ok(BulkRequest {
        fail_on_errors,
        operations,
    })
}

fn parse_operation(value: &Value) -> (Echo, Result<Operation, ScimError>) {
    let Some(object) = value.as_object() else {
        let error = ScimError::invalid_syntax("Each bulk operation must be a JSON object.");
        return (Echo::default(), Err(error));
    };
    let text = |name: &str| {
        field(object, name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let echo = Echo {
        method: text("method").unwrap_or_default(),
        bulk_id: text("bulkId"),
    };
    let operation = (|| {
        let method = BulkMethod::parse(&echo.method).ok_or_else(|| {
            ScimError::invalid_value(format!(
                "Bulk operation method '{}' is not one of POST, PUT, PATCH, DELETE.",
                echo.method
            ))
        })?;
        let path = text("path")
            .ok_or_else(|| ScimError::invalid_value("A bulk operation needs a 'path'."))?;
        // RFC 7644 §3.7: bulkId is REQUIRED when method is POST.
        if method == BulkMethod::Post && echo.bulk_id.is_none() {
            return Err(ScimError::invalid_value(
                "A POST bulk operation needs a 'bulkId'.",
            ));
        }
        let data = field(object, "data").filter(|d| !d.is_null()).cloned();
        if data.is_none() && method != BulkMethod::Delete {
            return Err(ScimError::invalid_value(format!(
                "A {} bulk operation needs 'data'.",
                method.as_str()
            )));
        }
        Ok(Operation {
            method,
            bulk_id: echo.bulk_id.clone(),
            version: text("version"),
            path,
            data,
        })
    })();
    (echo, operation)
}

/// Where an operation's path points: a collection (POST) or one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Collection(ResourceType),
    Resource(ResourceType, String),
}

/// `/Users`, `/Groups`, `/Users/{id}`, `/Groups/{id}` (RFC 7644 §3.7: relative to the base).
pub(crate) fn target(method: BulkMethod, path: &str) -> Result<Target, ScimError> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let rt = |seg: &str| {
        if seg.eq_ignore_ascii_case("Users") {
            Some(ResourceType::User)
        } else if seg.eq_ignore_ascii_case("Groups") {
            Some(ResourceType::Group)
        } else {
            None
        }
    };
    let target = match segments.as_slice() {
        [seg] => rt(seg).map(Target::Collection),
        [seg, id] => rt(seg).map(|rt| Target::Resource(rt, (*id).to_owned())),
        _ => None,
    };
    match (method, target) {
        (BulkMethod::Post, Some(t @ Target::Collection(_))) => Ok(t),
        (BulkMethod::Post, _) => Err(ScimError::invalid_path(format!(
            "A POST bulk operation's path must be /Users or /Groups, not '{path}'."
        ))),
        (_, Some(t @ Target::Resource(..))) => Ok(t),
        (method, _) => Err(ScimError::invalid_path(format!(
            "A {} bulk operation's path must be /Users/{{id}} or /Groups/{{id}}, not '{path}'.",
            method.as_str()
        ))),
    }
}
