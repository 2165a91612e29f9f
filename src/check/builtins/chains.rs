//! Approval chains: steps missing, early or sharing actors.

use std::sync::Arc;

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, R};
use crate::check::ir::{Arg, Builtin};
use crate::check::program::ChainDef;
use crate::check::types::{ObjKind, Ty};
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::schema::Data;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// The chain functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "missing",
        signature: "missing(CHAIN, steps)",
        doc: "names of required steps that are absent",
        cost: "one pass over the steps",
        example: "missing(大额资金拨付链, d.steps)",
        builtin: Some(Builtin::Missing),
    },
    BuiltinDoc {
        name: "early",
        signature: "early(CHAIN, steps)",
        doc: "steps dated before a step the chain puts ahead of them (`.step`, `.after`)",
        cost: "one pass over the steps per ordered pair of steps",
        example: "early(大额资金拨付链, d.steps)",
        builtin: Some(Builtin::Early),
    },
    BuiltinDoc {
        name: "shared_actors",
        signature: "shared_actors(CHAIN, steps)",
        doc: "one person in two steps that must be distinct (`.person`, `.first`, `.second`)",
        cost: "one pass over the steps per pair of distinct steps",
        example: "shared_actors(行政审批流程, a.steps)",
        builtin: Some(Builtin::SharedActors),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a chain function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_chains_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        _span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::Missing | B::Early | B::SharedActors => {
                if !self.arity(name, args, 2, 2) {
                    return None;
                }
                let (c, ct) = self.expr(&args[0]);
                if ct == Ty::Any {
                    return None;
                }
                let Ty::Chain(ci) = ct else {
                    let found = self.describe(&ct);
                    self.err(
                        Diagnostic::error(args[0].span, format!("expected a chain, found {found}"))
                            .with_help("declare one with `chain NAME { … }`"),
                    );
                    return None;
                };
                out.push(Arg::Value(c));
                let (list, elem) = self.list_arg(&args[1]);
                let expected = self.chains.get(ci).map(|c| c.step_struct);
                if !matches!(elem, Ty::Struct(s, _) if Some(s) == expected) && elem != Ty::Any {
                    let found = self.describe(&elem);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("the chain checks a list of its steps, found a list of {found}"),
                    ));
                }
                out.push(list);
                match b {
                    B::Missing => Ty::List(Box::new(Ty::Text)),
                    B::Early => Ty::List(Box::new(Ty::Obj(ObjKind::OrderFault, Box::new(elem)))),
                    _ => Ty::List(Box::new(Ty::Obj(ObjKind::ActorFault, Box::new(elem)))),
                }
            }
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a chain function.
    pub(super) fn eval_chains(
        &mut self,
        b: Builtin,
        args: &[Arg],
        _span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Missing | B::Early | B::SharedActors => {
                let chain = match self.arg(args, 0, frame)? {
                    Value::Chain(c) => self.program.and_then(|p| p.chains.get(c)),
                    _ => None,
                };
                let steps = self.arg(args, 1, frame)?.items();
                let Some(chain) = chain else {
                    return Ok(Value::None);
                };
                Value::List(Arc::new(match b {
                    B::Missing => chain_missing(chain, &steps),
                    B::Early => chain_early(chain, &steps),
                    _ => chain_shared(chain, &steps),
                }))
            }
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}

struct StepView<'a> {
    value: Value<'a>,
    /// Its name's bytes: compared, never shown.
    name: Option<&'a [u8]>,
    /// The place of its name in the chain's order.
    pos: Option<usize>,
    date: Option<crate::date::Date>,
    /// Who did it; left empty unless asked for.
    actors: Vec<&'a str>,
}

/// The steps as the chain sees them, with their actors when `with_actors`.
fn step_views<'a>(chain: &ChainDef, steps: &[Value<'a>], with_actors: bool) -> Vec<StepView<'a>> {
    let actor_slot = chain.actor_slot.filter(|_| with_actors);
    steps
        .iter()
        .filter_map(|s| {
            let (d, _) = s.datum()?;
            let fields = d.data.fields()?;
            let date = match fields.get(chain.date_slot).map(|f| &f.data) {
                Some(Data::Date(d)) => Some(*d),
                _ => None,
            };
            let actors = match actor_slot.and_then(|a| fields.get(a)).map(|f| &f.data) {
                Some(data) => match data.as_list() {
                    Some(items) => items.iter().filter_map(|i| i.data.as_text()).collect(),
                    None => data.as_text().into_iter().collect(),
                },
                None => Vec::new(),
            };
            let name = fields
                .get(chain.name_slot)
                .and_then(|f| f.data.text_bytes());
            Some(StepView {
                value: s.clone(),
                name,
                pos: name.and_then(|n| chain.order.iter().position(|o| o.as_bytes() == n)),
                date,
                actors,
            })
        })
        .collect()
}

fn chain_missing<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views = step_views(chain, steps, false);
    chain
        .order
        .iter()
        .zip(&chain.required)
        .filter(|(name, required)| {
            **required && !views.iter().any(|v| v.name == Some(name.as_bytes()))
        })
        .map(|(name, _)| Value::text(name))
        .collect()
}

fn chain_early<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views = step_views(chain, steps, false);
    let mut out = Vec::new();
    for s in &views {
        let (Some(sp), Some(sd)) = (s.pos, s.date) else {
            continue;
        };
        let ahead = views
            .iter()
            .find(|p| p.pos.is_some_and(|pp| pp < sp) && p.date.is_some_and(|pd| pd > sd));
        if let Some(p) = ahead {
            out.push(Value::Obj(
                ObjKind::OrderFault,
                Arc::new(vec![s.value.clone(), p.value.clone()]),
            ));
        }
    }
    out
}

fn chain_shared<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views: Vec<StepView<'a>> = step_views(chain, steps, true)
        .into_iter()
        .filter(|v| {
            v.name
                .is_some_and(|n| chain.distinct.iter().any(|d| d.as_bytes() == n))
        })
        .collect();
    let mut out = Vec::new();
    let mut reported: Vec<(&str, usize)> = Vec::new();
    for (j, second) in views.iter().enumerate() {
        for first in views.iter().take(j) {
            if first.name == second.name {
                continue;
            }
            for person in &second.actors {
                if first.actors.contains(person) && !reported.contains(&(person, j)) {
                    reported.push((person, j));
                    out.push(Value::Obj(
                        ObjKind::ActorFault,
                        Arc::new(vec![
                            Value::Str(person),
                            first.value.clone(),
                            second.value.clone(),
                        ]),
                    ));
                }
            }
        }
    }
    out
}
