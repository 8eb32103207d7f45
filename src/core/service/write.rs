//! The write skeleton users and groups share (RFC 7644 §3.3, §3.5, §3.6, §3.14): create,
//! read-change-write with optimistic concurrency and retry, and delete under `If-Match`.
//!
//! A write is a value (`Write`): a small state machine that says which store plan it needs
//! next (`Write::next`) and takes that plan's outcome (`Write::feed`), until it is done. The
//! resource-specific parts (which plan, how the document changes) come in as closures when the
//! handler builds it. A single request runs one write plan by plan (`run`); `/Bulk` runs many
//! side by side, packing the plans they need at the same step into shared batches — the same
//! plans, the same outcomes, the same rules.
//!
//! A write costs at most two round trips: the read (with any member checks) and one batch
//! holding the write, its side effects and the outcome. Creates and deletes cost one (a group
//! created with members: two, the member check first).

use super::change_events;
use super::context::{Ctx, Failure};
use crate::core::clock::format_timestamp;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::schema::ResourceType;
use crate::core::store::members::MemberCheck;
use crate::core::store::plan::Plan;
use crate::core::store::precondition::IfMatch;
use crate::core::store::resource::{CreateOutcome, DeleteOutcome, Stored, UpdateOutcome};
use crate::core::store::{new_version, WriteStamp};
use serde_json::Value;

/// How often a write that lost a race is retried before answering 409. Every round of a race
/// has a winner, so with N writers on one resource the last one needs N attempts: the bound
/// is the concurrency we promise to absorb (32 writers on one user, tests/e2e/concurrency.rs).
/// A user's retry costs one round trip (the losing batch already read the winner's row).
const MAX_WRITE_ATTEMPTS: usize = 64;

pub(crate) fn not_found(rt: ResourceType, id: &str) -> Failure {
    ScimError::not_found(format!("{} {id} not found.", rt.name())).into()
}

/// The attribute that is unique per org (case-insensitively): userName, Group displayName.
fn unique_attribute(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "userName",
        ResourceType::Group => "displayName",
    }
}

fn taken(rt: ResourceType, doc: &Value) -> Failure {
    let attribute = unique_attribute(rt);
    let name = doc.get(attribute).and_then(Value::as_str).unwrap_or("");
    ScimError::uniqueness(format!(
        "{} with {attribute} {name} already exists.",
        rt.name()
    ))
    .into()
}

/// Refuses members that are not in the org, or that would make a group contain itself.
pub(crate) fn check_members(check: MemberCheck) -> Result<(), Failure> {
    match check {
        MemberCheck::Valid => Ok(()),
        MemberCheck::Unknown(ids) => Err(ScimError::invalid_value(format!(
            "Cannot add invalid members to the group. Invalid member ids: {}",
            ids.join(", ")
        ))
        .into()),
        MemberCheck::Cycle => Err(ScimError::invalid_value(
            "Adding these members would make the group a member of itself (a cycle).",
        )
        .into()),
    }
}

/// What a finished write did.
#[derive(Debug)]
pub(crate) enum Written {
    Created(Stored),
    Updated(Stored),
    Deleted,
}

/// The outcome of one plan a write asked for.
pub(crate) enum StepOutcome {
    Checked(MemberCheck),
    Created(CreateOutcome),
    Read(Option<Stored>, MemberCheck),
    Updated(UpdateOutcome),
    Deleted(DeleteOutcome),
}

type CreatePlan = Box<dyn FnOnce(&WriteStamp) -> Result<Plan<CreateOutcome>, ScimError>>;
type ReadPlan = Box<dyn Fn() -> Plan<(Option<Stored>, MemberCheck)>>;
type Change = Box<dyn Fn(&Value) -> Result<Value, Failure>>;
type UpdatePlan =
    Box<dyn Fn(&Stored, Value, &WriteStamp, &IfMatch) -> Result<Plan<UpdateOutcome>, ScimError>>;
type DeletePlan = Box<dyn FnOnce(&IfMatch, i64) -> Plan<DeleteOutcome>>;

enum Kind {
    Create {
        doc: Value,
        /// The members check to run first (a group created with members).
        check: Option<Plan<MemberCheck>>,
        plan: Option<CreatePlan>,
    },
    Update {
        read: ReadPlan,
        change: Change,
        plan: UpdatePlan,
        /// The row to write from (read, or handed back by a lost race); `None`: read first.
        next: Option<Stored>,
        /// The 409 to answer if the attempt in flight finds the unique name taken.
        refused: Option<Failure>,
        attempts: usize,
        /// Whether the attempt in flight records a change event.
        event: bool,
    },
    Delete {
        plan: Option<DeletePlan>,
    },
}

/// One write of one resource; see the module documentation.
pub(crate) struct Write {
    rt: ResourceType,
    id: String,
    if_match: IfMatch,
    kind: Kind,
    done: Option<Result<Written, Failure>>,
}

impl Write {
    /// RFC 7644 §3.3: creating resource `id` with document `doc` (`plan` builds the insert
    /// for a write stamp); `check`, if any, runs first and must find the members valid.
    pub fn create(
        rt: ResourceType,
        id: &str,
        doc: Value,
        check: Option<Plan<MemberCheck>>,
        plan: impl FnOnce(&WriteStamp) -> Result<Plan<CreateOutcome>, ScimError> + 'static,
    ) -> Write {
        Write {
            rt,
            id: id.to_owned(),
            if_match: IfMatch::Any,
            kind: Kind::Create {
                doc,
                check,
                plan: Some(Box::new(plan)),
            },
            done: None,
        }
    }

    /// Read, change and write conditionally on the version read; on a lost race, again (from
    /// the row the losing batch read, or by reading again). `read` reads the resource and
    /// checks the members the request adds; `change` computes the new document from the old;
    /// `plan` builds the write. `If-Match` (RFC 7644 §3.14) is checked against the version
    /// read, and a lost race under it is 412 rather than a retry.
    pub fn update(
        rt: ResourceType,
        id: &str,
        if_match: IfMatch,
        read: impl Fn() -> Plan<(Option<Stored>, MemberCheck)> + 'static,
        change: impl Fn(&Value) -> Result<Value, Failure> + 'static,
        plan: impl Fn(&Stored, Value, &WriteStamp, &IfMatch) -> Result<Plan<UpdateOutcome>, ScimError>
            + 'static,
    ) -> Write {
        Write {
            rt,
            id: id.to_owned(),
            if_match,
            kind: Kind::Update {
                read: Box::new(read),
                change: Box::new(change),
                plan: Box::new(plan),
                next: None,
                refused: None,
                attempts: 0,
                event: false,
            },
            done: None,
        }
    }

    /// RFC 7644 §3.6: gone, or 404 when there is nothing to delete, or 412 when `If-Match`
    /// names none of the resource's versions. One round trip: `plan` decides in its batch.
    pub fn delete(
        rt: ResourceType,
        id: &str,
        if_match: IfMatch,
        plan: impl FnOnce(&IfMatch, i64) -> Plan<DeleteOutcome> + 'static,
    ) -> Write {
        Write {
            rt,
            id: id.to_owned(),
            if_match,
            kind: Kind::Delete {
                plan: Some(Box::new(plan)),
            },
            done: None,
        }
    }

    /// The plan this write needs next (its outcome goes to `feed`), or `None` once it is done.
    pub fn next<D, K>(&mut self, ctx: &Ctx<'_, D, K>) -> Option<Plan<StepOutcome>> {
        if self.done.is_some() {
            return None;
        }
        match self.next_plan(ctx) {
            Ok(Some(plan)) => Some(plan),
            Ok(None) => None,
            Err(failure) => {
                self.done = Some(Err(failure));
                None
            }
        }
    }

    fn next_plan<D, K>(
        &mut self,
        ctx: &Ctx<'_, D, K>,
    ) -> Result<Option<Plan<StepOutcome>>, Failure> {
        let (rt, now_ms) = (self.rt, ctx.now_ms());
        match &mut self.kind {
            Kind::Create { doc, check, plan } => {
                if let Some(check) = check.take() {
                    return Ok(Some(check.map(StepOutcome::Checked)));
                }
                let build = plan
                    .take()
                    .ok_or_else(|| internal("create planned twice"))?;
                let stamp = WriteStamp::new(now_ms)?;
                let plan = change_events::on_create(ctx, rt, doc, &stamp.now, build(&stamp)?);
                Ok(Some(plan.map(StepOutcome::Created)))
            }
            Kind::Update {
                read,
                change,
                plan,
                next,
                refused,
                attempts,
                event,
            } => {
                let Some(old) = next.as_ref() else {
                    if *attempts >= MAX_WRITE_ATTEMPTS {
                        return Err(busy(rt));
                    }
                    return Ok(Some(
                        read().map(|(found, check)| StepOutcome::Read(found, check)),
                    ));
                };
                if *attempts >= MAX_WRITE_ATTEMPTS {
                    return Err(busy(rt));
                }
                *attempts += 1;
                if !self.if_match.admits(old.version) {
                    return Err(ScimError::precondition_failed().into());
                }
                let doc = change(&old.doc)?;
                let stamp = WriteStamp::new(now_ms)?;
                *refused = Some(taken(rt, &doc));
                let built = plan(old, doc.clone(), &stamp, &self.if_match)?;
                let (built, recorded) = change_events::on_update(ctx, old, &doc, &stamp, built);
                *event = recorded;
                Ok(Some(built.map(StepOutcome::Updated)))
            }
            Kind::Delete { plan } => {
                let build = plan
                    .take()
                    .ok_or_else(|| internal("delete planned twice"))?;
                let now = format_timestamp(now_ms);
                let plan =
                    change_events::on_delete(rt, &now, build(&self.if_match, new_version()?));
                Ok(Some(plan.map(StepOutcome::Deleted)))
            }
        }
    }

    /// Takes the outcome of the plan `next` gave. A write that recorded events asks for
    /// their delivery (after the response).
    pub fn feed<D, K>(&mut self, ctx: &Ctx<'_, D, K>, outcome: StepOutcome) {
        if let Some(done) = self.decide(outcome) {
            let recorded = match (&self.kind, &done) {
                // Membership changes record their own events in the store's plan.
                (Kind::Update { event, .. }, Ok(_)) => *event || self.rt == ResourceType::Group,
                (_, Ok(_)) => true,
                (_, Err(_)) => false,
            };
            if recorded {
                ctx.wake_deliveries(ctx.org());
            }
            self.done = Some(done);
        }
    }

    fn decide(&mut self, outcome: StepOutcome) -> Option<Result<Written, Failure>> {
        let (rt, id) = (self.rt, self.id.as_str());
        let conditional = self.if_match.is_conditional();
        match (&mut self.kind, outcome) {
            (Kind::Create { .. }, StepOutcome::Checked(check)) => {
                check_members(check).err().map(Err)
            }
            (Kind::Create { doc, .. }, StepOutcome::Created(created)) => Some(match created {
                CreateOutcome::Created(stored) => Ok(Written::Created(stored)),
                CreateOutcome::NameTaken => Err(taken(rt, doc)),
            }),
            (Kind::Update { next, .. }, StepOutcome::Read(found, check)) => {
                let Some(old) = found else {
                    return Some(Err(not_found(rt, id)));
                };
                if !self.if_match.admits(old.version) {
                    return Some(Err(ScimError::precondition_failed().into()));
                }
                if let Err(failure) = check_members(check) {
                    return Some(Err(failure));
                }
                *next = Some(old);
                None
            }
            (Kind::Update { next, refused, .. }, StepOutcome::Updated(updated)) => match updated {
                UpdateOutcome::Updated(stored) => Some(Ok(Written::Updated(stored))),
                UpdateOutcome::NameTaken => Some(Err(refused
                    .take()
                    .unwrap_or_else(|| internal("no refusal prepared")))),
                UpdateOutcome::NotFound => Some(Err(not_found(rt, id))),
                UpdateOutcome::VersionMismatch(_) if conditional => {
                    Some(Err(ScimError::precondition_failed().into()))
                }
                // Someone else wrote first: start again from what they wrote.
                UpdateOutcome::VersionMismatch(current) => {
                    *next = current;
                    None
                }
            },
            (Kind::Delete { .. }, StepOutcome::Deleted(deleted)) => Some(match deleted {
                DeleteOutcome::Deleted => Ok(Written::Deleted),
                DeleteOutcome::NotFound => Err(not_found(rt, id)),
                DeleteOutcome::VersionMismatch => Err(ScimError::precondition_failed().into()),
            }),
            _ => Some(Err(internal(
                "a write was fed an outcome it did not ask for",
            ))),
        }
    }

    /// Fails the write (e.g. its batch could not be sent).
    pub fn fail(&mut self, failure: Failure) {
        self.done = Some(Err(failure));
    }

    /// What the write did; a write that is not done is a defect.
    pub fn into_result(self) -> Result<Written, Failure> {
        self.done
            .unwrap_or_else(|| Err(internal("a write was read before it finished")))
    }
}

fn internal(what: &str) -> Failure {
    Failure::Internal(format!("write: {what}"))
}

fn busy(rt: ResourceType) -> Failure {
    ScimError::new(
        409,
        None,
        format!(
            "The {} is being changed by other requests; retry.",
            rt.name().to_lowercase()
        ),
    )
    .into()
}

/// Runs one write plan by plan: one round trip per plan it needs.
pub(crate) async fn run<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    mut write: Write,
) -> Result<Written, Failure> {
    while let Some(plan) = write.next(ctx) {
        let outcome = ctx.run(plan).await?;
        write.feed(ctx, outcome);
    }
    write.into_result()
}
