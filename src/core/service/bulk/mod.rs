//! `POST /Bulk` (RFC 7644 §3.7): many writes in one request. Bulk is not a second
//! implementation of the writes: each operation is built by the same function its single
//! request uses (`users::create_write`, `groups::patch_write`, ...) into a `write::Write`,
//! and obeys exactly its rules (validation, uniqueness, `version` as If-Match, member checks,
//! the nested-group cycle check, side effects in its own batch). What Bulk adds:
//!
//! - `bulkId:` references resolved to the ids the POSTs will create (ids are generated
//!   before anything runs), and the operations arranged in waves that satisfy them (`refs`);
//! - the plans the writes of one wave need at the same step packed into shared D1 batches of
//!   at most `Runtime::bulk_max_statements` statements. Every plan guards its own statements
//!   and decodes its own outcome, so an operation that fails (a taken userName, a stale
//!   version) does not affect the others in its batch;
//! - `failOnErrors`: after that many failures nothing more runs or is reported.

mod refs;
mod request;

use super::context::{Ctx, Failure};
use super::render::location;
use super::write::{Write, Written};
use super::{groups, users};
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::schema::ResourceType;
use crate::core::store::plan::Plan;
use crate::core::store::precondition::IfMatch;
use crate::core::store::{etag, new_id};
use request::{BulkMethod, Echo, Operation, Target};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub(crate) use request::MAX_OPERATIONS;

const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// D1 statements per `batch()` unless the `BULK_MAX_STATEMENTS` variable says otherwise
/// (Workers Paid allows 1,000 queries per invocation; set 50 on the Free plan).
pub const DEFAULT_BULK_MAX_STATEMENTS: usize = 1_000;

/// One operation on its way through the request.
struct Job {
    echo: Echo,
    operation: Option<Operation>,
    /// The resource the operation writes (known before it runs, POSTs included).
    target: Option<(ResourceType, String)>,
    /// The POSTs it references, by bulkId: they must have succeeded first.
    needs: Vec<(String, usize)>,
    wave: usize,
    write: Option<Write>,
    failure: Option<Failure>,
    written: Option<Written>,
}

pub(crate) async fn bulk<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let request = request::parse(body)?;
    let mut jobs = prepare(request.operations)?;
    let max_statements = ctx.runtime.bulk_max_statements.max(1);
    let allowed = request.fail_on_errors;
    let mut failures = 0usize;
    let mut reported = vec![false; jobs.len()];
    let last_wave = jobs.iter().map(|j| j.wave).max().unwrap_or(0);
    'waves: for wave in 0..=last_wave {
        let members: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].wave == wave).collect();
        let mut chunk: Vec<usize> = Vec::new();
        for (n, &i) in members.iter().enumerate() {
            admit(&mut jobs, i, ctx.org());
            if jobs[i].failure.is_some() {
                reported[i] = true;
                failures += 1;
            } else {
                chunk.push(i);
            }
            // Under failOnErrors no more operations run together than may still fail, so
            // nothing runs after the last failure allowed (RFC 7644 §3.7.3).
            let room = allowed.map_or(usize::MAX, |a| a.saturating_sub(failures));
            if !chunk.is_empty() && (chunk.len() >= room || n + 1 == members.len()) {
                run_chunk(ctx, &mut jobs, &chunk, max_statements).await;
                for &i in &chunk {
                    reported[i] = true;
                    if jobs[i].failure.is_some() {
                        failures += 1;
                    }
                }
                chunk.clear();
            }
            if allowed.is_some_and(|a| failures >= a) {
                break 'waves;
            }
        }
    }
    let operations: Vec<Value> = jobs
        .iter()
        .zip(&reported)
        .filter(|(_, reported)| **reported)
        .map(|(job, _)| result(ctx, job))
        .collect();
    Ok(HttpResponse::json(
        200,
        &json!({"schemas": [BULK_RESPONSE], "Operations": operations}),
    ))
}

fn job(echo: Echo) -> Job {
    Job {
        echo,
        operation: None,
        target: None,
        needs: Vec::new(),
        wave: 0,
        write: None,
        failure: None,
        written: None,
    }
}

/// Gives every POST its id, resolves every operation's references and target, and arranges
/// the waves.
fn prepare(operations: Vec<(Echo, Result<Operation, ScimError>)>) -> Result<Vec<Job>, Failure> {
    // RFC 7644 §3.7.2: bulkIds name the resources POSTs create.
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut posts: HashMap<String, usize> = HashMap::new();
    for (i, (_, operation)) in operations.iter().enumerate() {
        if let Ok(
            op @ Operation {
                method: BulkMethod::Post,
                ..
            },
        ) = operation
        {
            if let Some(bulk_id) = &op.bulk_id {
                ids.insert(bulk_id.clone(), new_id()?);
                posts.insert(bulk_id.clone(), i);
            }
        }
    }
    let mut jobs: Vec<Job> = Vec::with_capacity(operations.len());
    for (echo, operation) in operations {
        let mut job = job(echo);
        match operation.and_then(|op| resolve(op, &ids, &posts, &mut job)) {
            Ok(op) => job.operation = Some(op),
            Err(e) => job.failure = Some(e.into()),
        }
        jobs.push(job);
    }
    // Each operation runs after the POSTs it references and after the previous operation on
    // the same resource. A POST's resource is new: every other operation on it references it
    // (and so runs after it), wherever it stands in the request.
    let mut last_on: HashMap<(ResourceType, String), usize> = HashMap::new();
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let mut after: Vec<usize> = job.needs.iter().map(|(_, j)| *j).collect();
        let creates = matches!(&job.operation, Some(op) if op.method == BulkMethod::Post);
        if let Some(target) = job.target.as_ref().filter(|_| !creates) {
            if let Some(previous) = last_on.insert(target.clone(), i) {
                after.push(previous);
            }
        }
        edges.push(after);
    }
    for (job, wave) in jobs.iter_mut().zip(refs::waves(&edges)) {
        match wave {
            Some(wave) => job.wave = wave,
            None => {
                job.failure.get_or_insert_with(|| {
                    ScimError::new(
                        409,
                        None,
                        "The operation is part of a circular bulkId reference that cannot be \
                         resolved (RFC 7644 §3.7.1).",
                    )
                    .into()
                });
            }
        }
    }
    Ok(jobs)
}

/// The operation with its references replaced by ids; records its target and needs.
fn resolve(
    op: Operation,
    ids: &HashMap<String, String>,
    posts: &HashMap<String, usize>,
    job: &mut Job,
) -> Result<Operation, ScimError> {
    for bulk_id in refs::references(&op.path, op.data.as_ref()) {
        let Some(&at) = posts.get(&bulk_id) else {
            return Err(ScimError::invalid_value(format!(
                "bulkId '{bulk_id}' is referenced, but no POST operation in this request has it."
            )));
        };
        job.needs.push((bulk_id, at));
    }
    let path = refs::substitute(&op.path, ids);
    let data = op.data.as_ref().map(|d| refs::substitute_value(d, ids));
    job.target = Some(match request::target(op.method, &path)? {
        Target::Collection(rt) => {
            let id = op.bulk_id.as_ref().and_then(|b| ids.get(b)).cloned();
            (
                rt,
                id.ok_or_else(|| ScimError::invalid_value("A POST needs a bulkId."))?,
            )
        }
        Target::Resource(rt, id) => (rt, id),
    });
    Ok(Operation { path, data, ..op })
}

/// Right before its wave runs: fails an operation whose referenced POSTs failed, else builds
/// its write with the same function as the single request.
fn admit(jobs: &mut [Job], i: usize, org: &str) {
    if jobs[i].failure.is_some() {
        return;
    }
    let failed = jobs[i]
        .needs
        .iter()
        .find(|(_, j)| !matches!(jobs[*j].written, Some(Written::Created(_))))
        .map(|(bulk_id, _)| bulk_id.clone());
    if let Some(bulk_id) = failed {
        jobs[i].failure = Some(
            ScimError::new(
                409,
                None,
                format!(
                    "The operation references bulkId '{bulk_id}', whose POST failed (RFC 7644 §3.7.3)."
                ),
            )
            .into(),
        );
        return;
    }
    match build(&jobs[i], org) {
        Ok(write) => jobs[i].write = Some(write),
        Err(failure) => jobs[i].failure = Some(failure),
    }
}

fn build(job: &Job, org: &str) -> Result<Write, Failure> {
    let (Some(op), Some((rt, id))) = (&job.operation, &job.target) else {
        return Err(Failure::Internal(
            "bulk: an operation without a target".into(),
        ));
    };
    let data = op.data.clone().unwrap_or(Value::Null);
    let if_match = || IfMatch::parse(op.version.as_deref());
    // Bulk results carry no resource body, so no write reads back groups or members.
    Ok(match (rt, op.method) {
        (ResourceType::User, BulkMethod::Post) => users::create_write(org, id, &data)?,
        (ResourceType::Group, BulkMethod::Post) => groups::create_write(org, id, &data, false)?,
        (ResourceType::User, BulkMethod::Put) => {
            users::replace_write(org, id, &data, if_match(), false)?
        }
        (ResourceType::Group, BulkMethod::Put) => {
            groups::replace_write(org, id, &data, if_match(), false)?
        }
        (ResourceType::User, BulkMethod::Patch) => {
            users::patch_write(org, id, &data, if_match(), false)?
        }
        (ResourceType::Group, BulkMethod::Patch) => {
            groups::patch_write(org, id, &data, if_match(), false)?
        }
        (ResourceType::User, BulkMethod::Delete) => users::delete_write(org, id, if_match()),
        (ResourceType::Group, BulkMethod::Delete) => groups::delete_write(org, id, if_match()),
    })
}

/// Runs the writes of `chunk` side by side: each round, the plans they need next are packed
/// into batches of at most `max_statements` statements (a plan is never split; one larger
/// than the cap goes alone, as it would in its single request), until every write is done.
async fn run_chunk<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    jobs: &mut [Job],
    chunk: &[usize],
    max_statements: usize,
) {
    let mut writes: Vec<(usize, Write)> = chunk
        .iter()
        .filter_map(|&i| jobs[i].write.take().map(|w| (i, w)))
        .collect();
    loop {
        let mut pending: Vec<(usize, Plan<super::write::StepOutcome>)> = Vec::new();
        for (n, (_, write)) in writes.iter_mut().enumerate() {
            if let Some(plan) = write.next(ctx) {
                pending.push((n, plan));
            }
        }
        if pending.is_empty() {
            break;
        }
        let mut batches: Vec<Vec<(usize, Plan<super::write::StepOutcome>)>> = Vec::new();
        let mut size = 0;
        for (n, plan) in pending {
            let count = plan.statement_count();
            match batches.last_mut() {
                Some(batch) if size + count <= max_statements => batch.push((n, plan)),
                _ => {
                    batches.push(vec![(n, plan)]);
                    size = 0;
                }
            }
            size += count;
        }
        for batch in batches {
            let (owners, plans): (Vec<usize>, Vec<_>) = batch.into_iter().unzip();
            match ctx.run(Plan::all(plans)).await {
                Ok(outcomes) => {
                    for (n, outcome) in owners.into_iter().zip(outcomes) {
                        writes[n].1.feed(ctx, outcome);
                    }
                }
                Err(failure) => {
                    for n in owners {
                        writes[n].1.fail(match &failure {
                            Failure::Internal(m) => Failure::Internal(m.clone()),
                            Failure::Scim(e) => Failure::Internal(e.detail.clone()),
                            // The org is being moved (docs/scaling.md): each operation
                            // answers 503, the client retries them.
                            Failure::Retry(e, secs) => Failure::Retry(e.clone(), *secs),
                        });
                    }
                }
            }
        }
    }
    for (i, write) in writes {
        match write.into_result() {
            Ok(written) => jobs[i].written = Some(written),
            Err(failure) => jobs[i].failure = Some(failure),
        }
    }
}

/// One entry of the BulkResponse (RFC 7644 §3.7): `method`, `bulkId`, and `location`,
/// `version` and `status` on success, `status` and the error `response` on failure.
fn result<D, K>(ctx: &Ctx<'_, D, K>, job: &Job) -> Value {
    let mut out = Map::new();
    let method = job
        .operation
        .as_ref()
        .map_or(job.echo.method.clone(), |op| op.method.as_str().to_owned());
    out.insert("method".into(), method.into());
    if let Some(bulk_id) = &job.echo.bulk_id {
        out.insert("bulkId".into(), bulk_id.clone().into());
    }
    let failure = job.failure.as_ref().map(|f| match f {
        Failure::Scim(e) | Failure::Retry(e, _) => e.clone(),
        Failure::Internal(message) => {
            ctx.note(format!("bulk operation: {message}"));
            ScimError::internal()
        }
    });
    match (failure, &job.written, &job.target) {
        (Some(error), _, _) => {
            out.insert("status".into(), error.status.to_string().into());
            out.insert("response".into(), error.to_json());
        }
        (None, Some(written), Some((rt, id))) => {
            out.insert("location".into(), location(ctx, *rt, id).into());
            let status = match written {
                Written::Created(stored) | Written::Updated(stored) => {
                    out.insert("version".into(), etag(stored.version).into());
                    if matches!(written, Written::Created(_)) {
                        "201"
                    } else {
                        "200"
                    }
                }
                Written::Deleted => "204",
            };
            out.insert("status".into(), status.into());
        }
        _ => {
            ctx.note("bulk operation reported before it ran".to_owned());
            out.insert("status".into(), "500".into());
            out.insert("response".into(), ScimError::internal().to_json());
        }
    }
    Value::Object(out)
}
