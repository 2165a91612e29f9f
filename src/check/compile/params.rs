//! Parameters: their values, overrides from a parameter file, and the
//! parameters derived from them.

use super::{Compiler, ParamOverride};
use crate::check::eval;
use crate::check::program::*;
use crate::check::symbols::SymbolKind;
use crate::check::types::{Ty, unify};
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, DeclKind, Expr, ExprKind, TemplatePart};

impl<'a> Compiler<'a> {
    pub(in crate::check) fn params(
        &mut self,
        decls: &[&'a ast::Decl],
        overrides: &[ParamOverride],
    ) {
        // Parameters whose value reads other parameters, in declaration
        // order: name, expression, the parameters it reads.
        let mut derived: Vec<(String, &'a Expr, Vec<String>)> = Vec::new();
        for decl in decls {
            let DeclKind::Param(p) = &decl.kind else {
                continue;
            };
            if p.is_override {
                continue;
            }
            if let Some(first) = self.params.iter().find(|x| x.name == p.name.name) {
                let first = first.span;
                self.err(
                    Diagnostic::error(
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .with_related(first, "first declared here")
                    .with_help(format!(
                        "to change its value, write `set {} = …`",
                        p.name.name
                    )),
                );
                continue;
            }
            self.params_read.clear();
            let Some((value, ty)) = self.const_value(&p.value) else {
                continue;
            };
            let reads = std::mem::take(&mut self.params_read);
            if !reads.is_empty() {
                derived.push((p.name.name.clone(), &p.value, reads));
            }
            let mut shown = String::new();
            value.display(&mut shown);
            let sym = self.symbol(
                &p.name,
                SymbolKind::Param,
                format!("param {} = {shown} ({})", p.name.name, self.describe(&ty)),
                decl.doc.clone(),
            );
            self.set_extent(sym, decl.span);
            self.index.param_syms.insert(p.name.name.clone(), sym);
            self.params.push(Param {
                name: p.name.name.clone(),
                value,
                ty,
                span: p.name.span,
                doc: decl.doc.clone(),
                overridden_at: Vec::new(),
                overridden_by_file: None,
                marks: Vec::new(),
            });
        }
        for decl in decls {
            let DeclKind::Param(p) = &decl.kind else {
                continue;
            };
            if p.is_override {
                self.set_param(&p.name.name, p.name.span, &p.value, None);
            }
        }
        for o in overrides {
            self.set_param(&o.name, o.span, &o.value, Some(&o.file));
        }
        self.follow_overrides(derived);
    }

    /// Re-evaluate, in declaration order, each parameter derived from one
    /// that was overridden (directly or through another derived one), so
    /// that `param 倍数 = 基数 * 2` follows `set 基数 = 20万`. A parameter
    /// overridden itself keeps the value it was given.
    pub(in crate::check) fn follow_overrides(
        &mut self,
        derived: Vec<(String, &'a Expr, Vec<String>)>,
    ) {
        let mut changed: Vec<String> = self
            .params
            .iter()
            .filter(|p| !p.overridden_at.is_empty() || p.overridden_by_file.is_some())
            .map(|p| p.name.clone())
            .collect();
        for (name, expr, reads) in derived {
            let Some(idx) = self.params.iter().position(|p| p.name == name) else {
                continue;
            };
            let overridden = self
                .params
                .get(idx)
                .is_some_and(|p| !p.overridden_at.is_empty() || p.overridden_by_file.is_some());
            if overridden || !reads.iter().any(|r| changed.contains(r)) {
                continue;
            }
            // The declaration's uses were recorded on the first evaluation.
            let uses = self.index.uses.len();
            let value = self.const_value(expr);
            self.index.uses.truncate(uses);
            let Some((value, _)) = value else {
                continue;
            };
            let mut shown = String::new();
            value.display(&mut shown);
            let ty = self
                .params
                .get(idx)
                .map_or(String::new(), |p| self.describe(&p.ty));
            if let Some(&sym) = self.index.param_syms.get(&name)
                && let Some(symbol) = self.index.symbols.get_mut(sym)
            {
                symbol.detail = format!("param {name} = {shown} ({ty})");
            }
            if let Some(p) = self.params.get_mut(idx) {
                p.value = value;
            }
            changed.push(name);
        }
    }

    pub(in crate::check) fn set_param(
        &mut self,
        name: &str,
        span: Span,
        value: &Expr,
        file: Option<&str>,
    ) {
        // A parameter file is not among the rule files: its positions are
        // not uses the editor could show.
        if file.is_none()
            && let Some(&sym) = self.index.param_syms.get(name)
        {
            self.index.uses.push((span, sym));
        }
        let Some(idx) = self.params.iter().position(|p| p.name == name) else {
            let names: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
            let help = match closest(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("parameters are {}", names.join(", ")),
            };
            self.err(
                Diagnostic::error(span, format!("unknown parameter `{name}`")).with_help(help),
            );
            return;
        };
        let Some((v, ty)) = self.const_value(value) else {
            return;
        };
        let Some(param) = self.params.get(idx) else {
            return;
        };
        let declared = param.ty.clone();
        if unify(&declared, &ty)
            .is_none_or(|u| u != declared && !(declared == Ty::Money && ty == Ty::Num))
        {
            let (want, got) = (self.describe(&declared), self.describe(&ty));
            let help = match written_with_exponent(value) {
                Some(full) if matches!(declared, Ty::Money | Ty::Num) => format!(
                    "write the number in full, `{full}`: a number with an exponent is read as text"
                ),
                _ => format!("give `{name}` a value of type {want}"),
            };
            self.err(
                Diagnostic::error(
                    value.span,
                    format!("parameter `{name}` is {want}, but this value is {got}"),
                )
                .with_help(help),
            );
            return;
        }
        // The declared type's checks hold for the new value as for a
        // record's: an amount is never negative.
        if let Some(n) = negative_amount(&declared, &v) {
            self.err(
                Diagnostic::error(
                    value.span,
                    format!("parameter `{name}` is {n}, a negative amount"),
                )
                .with_help(format!(
                    "amounts are never negative: give `{name}` an amount of 0 or more"
                )),
            );
            return;
        }
        if let Some(p) = self.params.get_mut(idx) {
            p.value = v;
            match file {
                Some(f) => p.overridden_by_file = Some(f.to_string()),
                None => p.overridden_at.push(span),
            }
        }
    }

    /// Compile and evaluate a parameter's value (literals, lists, arithmetic
    /// on them and earlier parameters).
    pub(in crate::check) fn const_value(&mut self, e: &Expr) -> Option<(Value<'static>, Ty)> {
        self.expansions = 0;
        let before = self.errors.len();
        let saved = std::mem::take(&mut self.locals);
        let (ir, ty) = self.expr(e);
        self.locals = saved;
        if self.errors.len() > before {
            return None;
        }
        if !ir.is_closed() || ir.reads_records() {
            self.err(
                Diagnostic::error(e.span, "a parameter's value must be a constant")
                    .with_help("use literals such as `20万`, `30天`, `\"财务\"` or lists of them"),
            );
            return None;
        }
        match eval::eval_const(&ir) {
            Ok(v) => Some((v, ty)),
            Err(d) => {
                self.err(d);
                None
            }
        }
    }
}

/// A text written as a number with an exponent (`2e5`, as some tools
/// write numbers), with the number written in full; none for any other
/// expression, or an exponent too large to write out.
fn written_with_exponent(value: &Expr) -> Option<String> {
    use crate::num::Num;
    let ExprKind::Str(t) = &value.kind else {
        return None;
    };
    let [TemplatePart::Text(text)] = t.parts.as_slice() else {
        return None;
    };
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent: i32 = exponent.parse().ok().filter(|e: &i32| e.abs() <= 30)?;
    let mut n = Num::parse_decimal(mantissa)?;
    for _ in 0..exponent.abs() {
        n = if exponent > 0 {
            n.checked_mul(Num::int(10))?
        } else {
            n.checked_div(Num::int(10))?
        };
    }
    Some(n.to_string())
}

/// The first negative amount in `value`, a value of type `ty`.
fn negative_amount(ty: &Ty, value: &Value<'_>) -> Option<crate::num::Num> {
    match (ty, value) {
        (Ty::Money, Value::Num(n)) if n.get() < crate::num::Num::ZERO => Some(n.get()),
        (Ty::List(item), Value::List(items)) => items.iter().find_map(|v| negative_amount(item, v)),
        (Ty::Opt(item), v) => negative_amount(item, v),
        _ => None,
    }
}
