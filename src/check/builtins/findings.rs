//! Findings of other rules.

use std::sync::Arc;

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, R};
use crate::check::ir::{Arg, Builtin, Ir, Op};
use crate::check::program::pattern_matches;
use crate::check::types::{ObjKind, Ty};
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{self, Expr, ExprKind};

/// The findings functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "findings",
        signature: "findings(\"RULE-*\", x)",
        doc: "findings of matching rules on x or anything inside it",
        cost: "one pass over the findings of the matching rules, which run before this rule",
        example: "count(findings(\"SZYD-*\", m)) > 0",
        builtin: Some(Builtin::Findings),
    },
    BuiltinDoc {
        name: "findings_on",
        signature: "findings_on(\"RULE-*\", x)",
        doc: "findings of matching rules on x itself",
        cost: "one pass over the findings of the matching rules, which run before this rule",
        example: "findings_on(\"SZYD-002\", m)",
        builtin: Some(Builtin::FindingsOn),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a findings function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_findings_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        _span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::Findings | B::FindingsOn => {
                if !self.arity(name, args, 2, 2) {
                    return None;
                }
                let pattern = match &args[0].kind {
                    ExprKind::Str(t) => t.as_plain(),
                    _ => None,
                };
                let Some(pattern) = pattern else {
                    self.err(Diagnostic::error(args[0].span, "the rules to ask for are a quoted id or pattern, such as \"SZYD-*\"").with_help("the pattern must be written out so that rules can be ordered before they run"));
                    return None;
                };
                self.finding_queries.push((pattern.clone(), args[0].span));
                out.push(Arg::Value(Ir {
                    op: Op::Const(Value::Text(Arc::from(pattern.as_str()))),
                    span: args[0].span,
                }));
                let (i, t) = self.expr(&args[1]);
                if !matches!(t.strip(), Ty::Struct(..) | Ty::AnyRecord | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!(
                            "findings are asked of a record or an element of one, found {found}"
                        ),
                    ));
                }
                out.push(Arg::Value(i));
                Ty::List(Box::new(Ty::Obj(ObjKind::Finding, Box::new(Ty::Any))))
            }
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a findings function.
    pub(super) fn eval_findings(
        &mut self,
        b: Builtin,
        args: &[Arg],
        _span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Findings | B::FindingsOn => {
                let pattern = self.arg(args, 0, frame)?;
                let pattern = pattern.as_str().unwrap_or("").to_string();
                let target = self.arg(args, 1, frame)?;
                let Some((d, rec)) = target.datum() else {
                    return Ok(Value::List(Arc::new(Vec::new())));
                };
                let mut out = Vec::new();
                let Some(program) = self.program else {
                    return Ok(Value::List(Arc::new(out)));
                };
                // The rules asked about may not have run on this record yet
                // (when evaluation is focused): run them now. Otherwise they
                // ran in an earlier wave.
                if self.focus.is_some() {
                    for (j, other) in program.rules.iter().enumerate() {
                        if pattern_matches(&pattern, &other.id) {
                            self.rule_on(j, other, rec);
                        }
                    }
                }
                let local = self.by_record.get(&rec).map(Vec::as_slice).unwrap_or(&[]);
                let earlier = self
                    .prior_by_record
                    .get(&rec)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|&fi| self.prior.get(fi));
                for f in earlier.chain(local.iter().filter_map(|&fi| self.fired.get(fi))) {
                    let Some(rule) = program.rules.get(f.rule) else {
                        continue;
                    };
                    if !pattern_matches(&pattern, &rule.id) {
                        continue;
                    }
                    // On the datum itself, or (`findings`) on one inside it.
                    let hit = f.subject.1 == rec
                        && if b == B::FindingsOn {
                            std::ptr::eq(f.subject.0, d)
                        } else {
                            d.holds(f.subject.0)
                        };
                    if hit {
                        out.push(Value::Obj(
                            ObjKind::Finding,
                            Arc::new(vec![
                                Value::Str(&rule.id),
                                Value::Str(rule.severity.as_str()),
                                Value::text(&f.message),
                                Value::Str(&rule.title),
                            ]),
                        ));
                    }
                }
                Value::List(Arc::new(out))
            }
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}
