//! Translation of a filter (RFC 7644 §3.4.2.2) into a SQL boolean expression over the resource
//! table aliased `r`, for the tables in `schema.sql`. Values are only ever bound parameters;
//! the only names spliced into SQL are canonical names from the schema table.
//!
//! Where the answer comes from:
//! - `id`, `userName`, `externalId`, `displayName`, `active`, `meta.created`,
//!   `meta.lastModified`: their columns (and indexes); `*_ci` columns for caseExact=false;
//! - User `emails.value eq`: `user_emails` through `user_emails_by_value`, also as a pre-filter
//!   for value paths such as Entra's `emails[type eq "work"].value eq "x"`;
//! - Group `members`: `group_members` by its primary key; User `groups`: `group_members` by
//!   `group_members_by_member`;
//! - anything else: `json_extract` over the stored document, and for multi-valued attributes
//!   `EXISTS (SELECT 1 FROM json_each(...))`, where a value path's conditions hold on the same
//!   element.

use crate::core::db::SqlValue;
use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::{AttrPath, CompareOp, Filter, Literal};
use crate::core::filter::sql_operand::{Fold, Kind, Operand};
use crate::core::schema::attribute::{AttrType, AttributeDef, Returned};
use crate::core::schema::{resolve, Resolved, ResourceType};

/// A SQL boolean expression over `r` and its bound parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlCondition {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// Translates `filter` for resource type `rt` in organisation `org` (sub-queries on the
/// membership and email tables filter on `org` too). Unknown attributes, type mismatches and
/// operators the type does not allow are `400 invalidFilter` naming the attribute.
pub fn filter_to_sql(rt: ResourceType, org: &str, filter: &Filter) -> ScimResult<SqlCondition> {
    let mut b = Builder {
        rt,
        org,
        params: Vec::new(),
        aliases: 0,
    };
    let sql = b.filter(filter)?;
    Ok(SqlCondition {
        sql,
        params: b.params,
    })
}

/// The sort/compare operand for a resolved singular attribute of `rt`: its column if it has
/// one, else `json_extract` of the document. `None` for complex and multi-valued attributes.
pub(crate) fn row_operand(rt: ResourceType, res: &Resolved) -> Option<Operand> {
    if let Some(op) = column(rt, res) {
        return Some(op);
    }
    let target = res.target();
    if target.is_complex() || res.attr.multi_valued || res.common {
        return None;
    }
    let mut path = String::from("$");
    if let Some(ext) = res.extension {
        path.push_str(&json_key(ext.id));
    }
    path.push_str(&json_key(res.attr.name));
    if let Some(sub) = res.sub {
        path.push_str(&json_key(sub.name));
    }
    Some(Operand {
        expr: format!("json_extract(r.data, '{path}')"),
        kind: kind_of(target, Fold::Sql),
        nullable: true,
        name: res.canonical_name(),
    })
}

/// The indexed columns of `schema.sql`.
fn column(rt: ResourceType, res: &Resolved) -> Option<Operand> {
    let name = res.canonical_name();
    let (expr, kind, nullable) = match (rt, name.as_str()) {
        (_, "id") => ("r.id", Kind::Text(Fold::Exact), false),
        (ResourceType::User, "userName") => ("r.user_name_ci", Kind::Text(Fold::Column), false),
        (_, "externalId") => ("r.external_id", Kind::Text(Fold::Exact), true),
        (ResourceType::User, "displayName") => {
            ("r.display_name_ci", Kind::Text(Fold::Column), true)
        }
        (ResourceType::Group, "displayName") => {
            ("r.display_name_ci", Kind::Text(Fold::Column), false)
        }
        (ResourceType::User, "active") => ("r.active", Kind::Bool, false),
        (_, "meta.created") => ("r.created", Kind::DateTime, false),
        (_, "meta.lastModified") => ("r.last_modified", Kind::DateTime, false),
        _ => return None,
    };
    Some(Operand {
        expr: expr.to_owned(),
        kind,
        nullable,
        name,
    })
}

fn kind_of(def: &AttributeDef, fold_ci: Fold) -> Kind {
    match def.ty {
        AttrType::Boolean => Kind::Bool,
        AttrType::Decimal | AttrType::Integer => Kind::Number,
        AttrType::DateTime => Kind::DateTime,
        AttrType::Binary => Kind::Binary,
        AttrType::String | AttrType::Reference | AttrType::Complex if def.case_exact => {
            Kind::Text(Fold::Exact)
        }
        AttrType::String | AttrType::Reference | AttrType::Complex => Kind::Text(fold_ci),
    }
}

/// `."name"` for a JSON path. Schema names are `[A-Za-z0-9$:._-]`; anything else would be a
/// schema-table bug, and is dropped rather than spliced.
fn json_key(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | ':' | '.' | '_' | '-'))
        .collect();
    format!(".\"{clean}\"")
}

/// Where a value path's element conditions read their sub-attributes.
#[derive(Clone, Copy)]
enum Source<'s> {
    /// An element of `json_each`, aliased.
    Json(&'s str),
    /// A `group_members` row of a Group (`members`), aliased.
    Members(&'s str),
    /// A `group_members` row naming the User as member (`groups`), aliased.
    Groups(&'s str),
}

struct Builder<'o> {
    rt: ResourceType,
    org: &'o str,
    params: Vec<SqlValue>,
    aliases: usize,
}

impl Builder<'_> {
    fn alias(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    fn filter(&mut self, f: &Filter) -> ScimResult<String> {
        match f {
            Filter::And(l, r) => Ok(format!("({} AND {})", self.filter(l)?, self.filter(r)?)),
            Filter::Or(l, r) => Ok(format!("({} OR {})", self.filter(l)?, self.filter(r)?)),
            Filter::Not(inner) => Ok(format!("(NOT {})", self.filter(inner)?)),
            Filter::Compare { path, .. } | Filter::Present(path) => self.leaf(path, f),
            Filter::ValuePath { attr, filter } => {
                let res = self.resolve(attr)?;
                if !res.attr.multi_valued || !res.attr.is_complex() || res.sub.is_some() {
                    return Err(ScimError::invalid_filter(format!(
                        "The filter puts a value filter on {}, which is not a multi-valued complex attribute.",
                        res.canonical_name()
                    )));
                }
                self.value_path(&res, filter)
            }
        }
    }

    fn resolve(&self, path: &AttrPath) -> ScimResult<Resolved> {
        let res = resolve(self.rt, path).ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "The filter uses the attribute {path}, which {} resources do not have.",
                self.rt.name()
            ))
        })?;
        if res.attr.returned == Returned::Never || res.target().returned == Returned::Never {
            return Err(ScimError::invalid_filter(format!(
                "The attribute {} cannot be used in a filter.",
                res.canonical_name()
            )));
        }
        Ok(res)
    }

    /// `path op value` or `path pr` at resource level.
    fn leaf(&mut self, path: &AttrPath, f: &Filter) -> ScimResult<String> {
        let res = self.resolve(path)?;
        if res.attr.multi_valued {
            // `emails.type eq "work"` means `emails[type eq "work"]`; without a sub-attribute
            // the element's `value` is compared (RFC 7644 §3.4.2.2).
            if res.sub.is_none() {
                if let Filter::Present(_) = f {
                    return Ok(self.multi_present(&res));
                }
            }
            let sub = res.sub.map_or("value", |s| s.name);
            let relative = AttrPath {
                urn: None,
                name: sub.to_owned(),
                sub: None,
            };
            let element_filter = match f {
                Filter::Compare { op, value, .. } => Filter::Compare {
                    path: relative,
                    op: *op,
                    value: value.clone(),
                },
                _ => Filter::Present(relative),
            };
            return self.value_path(&res, &element_filter);
        }
        let mut res = res;
        if res.sub.is_none() && res.attr.is_complex() {
            match (f, res.attr.sub_attribute("value")) {
                (Filter::Present(_), _) => {
                    let ext = res.extension.map_or(String::new(), |e| json_key(e.id));
                    let e = format!("json_extract(r.data, '${ext}{}')", json_key(res.attr.name));
                    return Ok(format!("({e} IS NOT NULL AND {e} <> '{{}}')"));
                }
                // `manager eq "id"` compares `manager.value`.
                (_, Some(value)) => res.sub = Some(value),
                _ => {
                    return Err(ScimError::invalid_filter(format!(
                        "The filter compares {}, a complex attribute; compare one of its sub-attributes instead.",
                        res.canonical_name()
                    )))
                }
            }
        }
        let operand = row_operand(self.rt, &res).ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "The attribute {} cannot be used in a filter.",
                res.canonical_name()
            ))
        })?;
        self.apply(&operand, f)
    }

    fn apply(&mut self, operand: &Operand, f: &Filter) -> ScimResult<String> {
        match f {
            Filter::Compare { op, value, .. } => operand.compare(*op, value, &mut self.params),
            _ => Ok(operand.present()),
        }
    }

    /// `emails pr`, `members pr`: at least one element.
    fn multi_present(&mut self, res: &Resolved) -> String {
        match (self.rt, res.attr.name) {
            (ResourceType::Group, "members") => {
                self.params.push(self.org.into());
                "EXISTS (SELECT 1 FROM group_members m WHERE m.org = ? AND m.group_id = r.id)"
                    .to_owned()
            }
            (ResourceType::User, "groups") => {
                self.params.push(self.org.into());
                "EXISTS (SELECT 1 FROM group_members m WHERE m.org = ? AND m.member_id = r.id)"
                    .to_owned()
            }
            _ => format!(
                "(COALESCE(json_array_length(r.data, '{}'), 0) > 0)",
                json_path(res)
            ),
        }
    }

    /// `attr[filter]` for a multi-valued complex attribute: some element satisfies `filter`.
    fn value_path(&mut self, res: &Resolved, filter: &Filter) -> ScimResult<String> {
        match (self.rt, res.attr.name) {
            (ResourceType::Group, "members") => {
                let m = self.alias("m");
                self.params.push(self.org.into());
                let head = format!(
                    "EXISTS (SELECT 1 FROM group_members {m} WHERE {m}.org = ? AND {m}.group_id = r.id AND "
                );
                let cond = self.element(res.attr, filter, Source::Members(&m))?;
                Ok(format!("{head}{cond})"))
            }
            (ResourceType::User, "groups") => {
                let m = self.alias("m");
                self.params.push(self.org.into());
                let head = format!(
                    "EXISTS (SELECT 1 FROM group_members {m} WHERE {m}.org = ? AND {m}.member_id = r.id AND "
                );
                let cond = self.element(res.attr, filter, Source::Groups(&m))?;
                Ok(format!("{head}{cond})"))
            }
            (ResourceType::User, "emails") if res.extension.is_none() => {
                match email_value_eq(filter) {
                    // Exactly `emails.value eq "x"`: the email table answers it alone.
                    Some(v) if matches!(filter, Filter::Compare { .. }) => Ok(self.email_index(v)),
                    // A conjunction naming the value: pre-filter by index, then check the
                    // whole condition on the same element.
                    Some(v) => {
                        let pre = self.email_index(v);
                        let each = self.json_each(res, filter)?;
                        Ok(format!("({pre} AND {each})"))
                    }
                    None => self.json_each(res, filter),
                }
            }
            _ => self.json_each(res, filter),
        }
    }

    fn email_index(&mut self, value: &str) -> String {
        self.params.push(self.org.into());
        self.params.push(value.to_lowercase().into());
        "r.id IN (SELECT e.user_id FROM user_emails e WHERE e.org = ? AND e.value_ci = ?)"
            .to_owned()
    }

    fn json_each(&mut self, res: &Resolved, filter: &Filter) -> ScimResult<String> {
        let j = self.alias("j");
        let head = format!(
            "EXISTS (SELECT 1 FROM json_each(r.data, '{}') {j} WHERE ",
            json_path(res)
        );
        let cond = self.element(res.attr, filter, Source::Json(&j))?;
        Ok(format!("{head}{cond})"))
    }

    /// An element condition: paths are sub-attributes of `attr`.
    fn element(
        &mut self,
        attr: &'static AttributeDef,
        f: &Filter,
        source: Source<'_>,
    ) -> ScimResult<String> {
        match f {
            Filter::And(l, r) => Ok(format!(
                "({} AND {})",
                self.element(attr, l, source)?,
                self.element(attr, r, source)?
            )),
            Filter::Or(l, r) => Ok(format!(
                "({} OR {})",
                self.element(attr, l, source)?,
                self.element(attr, r, source)?
            )),
            Filter::Not(inner) => Ok(format!("(NOT {})", self.element(attr, inner, source)?)),
            Filter::ValuePath { .. } => Err(ScimError::invalid_filter(
                "The filter nests a value filter inside another.",
            )),
            Filter::Compare { path, .. } | Filter::Present(path) => {
                let name = format!("{}.{}", attr.name, path.name);
                let sub = match (&path.urn, &path.sub) {
                    (None, None) => attr.sub_attribute(&path.name),
                    _ => None,
                }
                .ok_or_else(|| {
                    ScimError::invalid_filter(format!(
                        "The filter uses the attribute {name}, which does not exist."
                    ))
                })?;
                let name = format!("{}.{}", attr.name, sub.name);
                let (expr, kind, nullable) = match (source, sub.name) {
                    (Source::Json(j), _) => (
                        format!("json_extract({j}.value, '${}')", json_key(sub.name)),
                        kind_of(sub, Fold::Sql),
                        true,
                    ),
                    // Ids are caseExact (RFC 7643 §3.1).
                    (Source::Members(m), "value") => {
                        (format!("{m}.member_id"), Kind::Text(Fold::Exact), false)
                    }
                    (Source::Members(m), "type") => {
                        (format!("{m}.member_type"), kind_of(sub, Fold::Sql), false)
                    }
                    (Source::Groups(m), "value") => {
                        (format!("{m}.group_id"), Kind::Text(Fold::Exact), false)
                    }
                    _ => {
                        return Err(ScimError::invalid_filter(format!(
                            "The attribute {name} cannot be used in a filter; filter on {}.value.",
                            attr.name
                        )))
                    }
                };
                let operand = Operand {
                    expr,
                    kind,
                    nullable,
                    name,
                };
                self.apply(&operand, f)
            }
        }
    }
}

/// `$."urn"."emails"`: the JSON path of a resolved top-level attribute.
fn json_path(res: &Resolved) -> String {
    let ext = res.extension.map_or(String::new(), |e| json_key(e.id));
    format!("${ext}{}", json_key(res.attr.name))
}

/// The string `x` if `f` is `value eq "x"` or a conjunction containing it.
fn email_value_eq(f: &Filter) -> Option<&str> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Literal::String(v),
        } if path.urn.is_none()
            && path.sub.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            Some(v)
        }
        Filter::And(l, r) => email_value_eq(l).or_else(|| email_value_eq(r)),
        _ => None,
    }
}
