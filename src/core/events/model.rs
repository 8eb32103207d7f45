//! The event catalogue and the shape of one event. An event is written before it has a
//! number (`NewEvent`); the log gives it `id` and `seq` in the batch that stores it.

use serde_json::{json, Map, Value};

/// Every event type (docs/events.md has an example of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    UserCreated,
    UserUpdated,
    /// `active` went from true to false, by any PATCH or PUT form (Entra sends `"False"`).
    UserDeactivated,
    UserReactivated,
    UserDeleted,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
    OrgTokenCreated,
    OrgTokenRevoked,
    OrgDeleted,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserDeactivated,
        EventType::UserReactivated,
        EventType::UserDeleted,
        EventType::GroupCreated,
        EventType::GroupUpdated,
        EventType::GroupDeleted,
        EventType::GroupMemberAdded,
        EventType::GroupMemberRemoved,
        EventType::OrgTokenCreated,
        EventType::OrgTokenRevoked,
        EventType::OrgDeleted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventType::UserCreated => "user.created",
            EventType::UserUpdated => "user.updated",
            EventType::UserDeactivated => "user.deactivated",
            EventType::UserReactivated => "user.reactivated",
            EventType::UserDeleted => "user.deleted",
            EventType::GroupCreated => "group.created",
            EventType::GroupUpdated => "group.updated",
            EventType::GroupDeleted => "group.deleted",
            EventType::GroupMemberAdded => "group.member_added",
            EventType::GroupMemberRemoved => "group.member_removed",
            EventType::OrgTokenCreated => "org.token_created",
            EventType::OrgTokenRevoked => "org.token_revoked",
            EventType::OrgDeleted => "org.deleted",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Who made the change: the IdP through SCIM, or the operator through `/admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Scim,
    Admin,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Scim => "scim",
            Source::Admin => "admin",
        }
    }
}

/// An event as the write that causes it describes it, before the log numbers it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventType,
    /// RFC 3339 with milliseconds: the write's own `meta.lastModified`.
    pub occurred_at: String,
    /// `{"type", "id", "externalId", "userName" | "displayName"}`; `None` for org events.
    pub resource: Option<Value>,
    pub data: Value,
    /// For updates: the previous values of exactly the top-level attributes that changed.
    pub previous: Option<Value>,
    pub source: Source,
}

/// The `resource` member of a user event, from the rendered user.
pub fn user_resource(user: &Value) -> Value {
    json!({
        "type": "User",
        "id": user.get("id").cloned().unwrap_or(Value::Null),
        "externalId": user.get("externalId").cloned().unwrap_or(Value::Null),
        "userName": user.get("userName").cloned().unwrap_or(Value::Null),
    })
}

/// The `resource` member of a group event, from the rendered group.
pub fn group_resource(group: &Value) -> Value {
    json!({
        "type": "Group",
        "id": group.get("id").cloned().unwrap_or(Value::Null),
        "externalId": group.get("externalId").cloned().unwrap_or(Value::Null),
        "displayName": group.get("displayName").cloned().unwrap_or(Value::Null),
    })
}

/// A resource as the event's `data` carries it: as a client would GET it, minus what has
/// events of its own (`groups` of a user, `members` of a group) and never a `password`.
pub fn event_data(rendered: &Value) -> Value {
    let mut data = rendered.clone();
    if let Value::Object(map) = &mut data {
        for computed in ["groups", "members", "password"] {
            map.remove(computed);
        }
    }
    data
}

/// One stored event, as the Events API and webhooks send it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub org: String,
    pub occurred_at: String,
    pub resource: Option<Value>,
    pub data: Value,
    pub previous: Option<Value>,
    pub source: String,
}

impl StoredEvent {
    /// The wire form (docs/events.md), members in a fixed order.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), Value::from(self.id.as_str()));
        out.insert("seq".into(), Value::from(self.seq));
        out.insert("type".into(), Value::from(self.kind.as_str()));
        out.insert("org".into(), Value::from(self.org.as_str()));
        out.insert("occurredAt".into(), Value::from(self.occurred_at.as_str()));
        if let Some(resource) = &self.resource {
            out.insert("resource".into(), resource.clone());
        }
        out.insert("data".into(), self.data.clone());
        if let Some(previous) = &self.previous {
            out.insert("previous".into(), previous.clone());
        }
        out.insert("source".into(), Value::from(self.source.as_str()));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_name_parses_back() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.name()), Some(t));
        }
        assert_eq!(EventType::parse("user.Created"), None);
        assert_eq!(EventType::parse("dsync.user.created"), None);
    }

    #[test]
    fn data_drops_computed_and_secret_attributes() {
        let user =
            json!({"id": "1", "userName": "a", "password": "x", "groups": [], "active": true});
        assert_eq!(
            event_data(&user),
            json!({"id": "1", "userName": "a", "active": true})
        );
        assert_eq!(
            user_resource(&user),
            json!({"type": "User", "id": "1", "externalId": null, "userName": "a"})
        );
    }
}
