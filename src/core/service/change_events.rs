//! The events of SCIM writes, built where the write is built and added to its plan's
//! side-effect slot (`store::plan`): same batch, same guard, no extra round trip. A write that
//! does not apply (409, 412, a lost race) writes no event; a change that changes nothing has
//! none to write. Member events are computed by the store next to the membership statements
//! they describe (`store::groups::update`, `store::events`).

use super::context::Ctx;
use super::render::base_value;
use crate::core::events::diff;
use crate::core::events::model::{event_data, group_resource, user_resource};
use crate::core::events::{EventType, NewEvent, Source};
use crate::core::schema::ResourceType;
use crate::core::store::plan::{Applied, Plan};
use crate::core::store::resource::Stored;
use crate::core::store::{events as log, member_events, WriteStamp};
use serde_json::Value;

fn event<D, K>(
    ctx: &Ctx<'_, D, K>,
    kind: EventType,
    stored: &Stored,
    previous: Option<Value>,
) -> NewEvent {
    let rendered = base_value(ctx, stored);
    let resource = match stored.rt {
        ResourceType::User => user_resource(&rendered),
        ResourceType::Group => group_resource(&rendered),
    };
    NewEvent {
        kind,
        occurred_at: stored.last_modified.clone(),
        resource: Some(resource),
        data: event_data(&rendered),
        previous,
        source: Source::Scim,
    }
}

/// `user.created` / `group.created` (then `group.member_added` for a group's initial
/// members) in a create plan's slot. `now` is the create's stamp time.
pub(crate) fn on_create<D, K, T: 'static>(
    ctx: &Ctx<'_, D, K>,
    rt: ResourceType,
    doc: &Value,
    now: &str,
    plan: Plan<T>,
) -> Plan<T> {
    let kind = match rt {
        ResourceType::User => EventType::UserCreated,
        ResourceType::Group => EventType::GroupCreated,
    };
    let plan = plan.with_side_effect(|applied: &Applied| {
        let stored = Stored {
            rt,
            id: applied.id.clone(),
            doc: doc.clone(),
            created: now.to_owned(),
            last_modified: now.to_owned(),
            version: applied.version,
            related: None,
        };
        log::append_applied(&event(ctx, kind, &stored, None), applied)
    });
    match rt {
        ResourceType::User => plan,
        ResourceType::Group => plan.with_side_effect(|applied| {
            member_events::initial_members_added(&applied.org, &applied.id, applied.version, now)
        }),
    }
}

/// The update event of `old` becoming `doc` (`user.updated|deactivated|reactivated`,
/// `group.updated`), or the plan unchanged when the document did not change. Returns whether
/// an event was added.
pub(crate) fn on_update<D, K, T: 'static>(
    ctx: &Ctx<'_, D, K>,
    old: &Stored,
    doc: &Value,
    stamp: &WriteStamp,
    plan: Plan<T>,
) -> (Plan<T>, bool) {
    let change = match old.rt {
        ResourceType::User => diff::user_update(&old.doc, doc),
        ResourceType::Group => {
            diff::group_update(&old.doc, doc).map(|previous| (EventType::GroupUpdated, previous))
        }
    };
    let Some((kind, previous)) = change else {
        return (plan, false);
    };
    let written = Stored {
        doc: doc.clone(),
        last_modified: stamp.now.clone(),
        version: stamp.version,
        related: None,
        ..old.clone()
    };
    let event = event(ctx, kind, &written, Some(previous));
    (
        plan.with_side_effect(|applied| log::append_applied(&event, applied)),
        true,
    )
}

/// `group.member_removed` for every group the resource leaves, then `user.deleted` /
/// `group.deleted`, in a delete plan's slot (where the row and its memberships still are).
pub(crate) fn on_delete<T: 'static>(rt: ResourceType, now: &str, plan: Plan<T>) -> Plan<T> {
    let statements = |applied: &Applied| {
        log::deleted(
            &applied.org,
            rt,
            &applied.id,
            applied.version,
            now,
            Source::Scim,
        )
    };
    plan.with_side_effect(|applied| statements(applied).remove(0))
        .with_side_effect(|applied| statements(applied).remove(1))
}
