//! Building the AST from pest pairs.

use pest::iterators::Pair;

use crate::diag::Diagnostic;
use crate::num::Num;
use crate::source::{FileId, Span};
use crate::syntax::ast::*;

use super::Rule;

/// Turns pest pairs into AST nodes, offsetting spans by `base`.
pub(super) struct Builder<'e> {
    pub(super) file: FileId,
    pub(super) base: usize,
    pub(super) errors: &'e mut Vec<Diagnostic>,
    /// Longest chain of operators (`a + b + …`, `- - x`, `a.b.c…`) built
    /// into one expression; longer ones are refused so that the tree stays
    /// shallow enough to check and evaluate.
    pub(super) max_chain: usize,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// An enum member: a name, or the text of a quoted member.
    fn enum_member(&mut self, pair: Pair<'_, Rule>) -> Ident {
        if pair.as_rule() != Rule::string {
            return self.ident(pair);
        }
        let span = self.span(&pair);
        let template = self.template(pair);
        let name = template.as_plain().unwrap_or_else(|| {
            self.errors.push(
                Diagnostic::error(span, "an enum member is plain text")
                    .with_help("write the value without `{…}`; use `{{` and `}}` for braces"),
            );
            String::new()
        });
        Ident { name, span }
    }

    fn idents(&self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p))
            .collect()
    }

    pub(super) fn decl(&mut self, pair: Pair<'_, Rule>) -> Option<Decl> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let kind = match inner.as_rule() {
            Rule::import_decl => DeclKind::Import(self.template(inner.into_inner().next()?)),
            Rule::enum_decl => {
                let mut it = inner.into_inner();
                let name = self.ident(it.next()?);
                let members = it
                    .filter_map(|m| m.into_inner().next())
                    .map(|p| self.enum_member(p))
                    .collect();
                DeclKind::Enum(EnumDecl { name, members })
            }
            Rule::kind_decl => {
                let mut it = inner.into_inner().peekable();
                let name = self.ident(it.next()?);
                let decided_by = match it.peek().map(Pair::as_rule) {
                    Some(Rule::decided_by) => Some(self.decided_by(it.next()?)?),
                    _ => None,
                };
                let (checks, fields): (Vec<_>, Vec<_>) =
                    it.partition(|p| p.as_rule() == Rule::field_check);
                DeclKind::Struct(StructDecl {
                    is_kind: true,
                    name,
                    body: StructBody::Fields(
                        fields.into_iter().filter_map(|f| self.field(f)).collect(),
                    ),
                    checks: checks
                        .into_iter()
                        .filter_map(|c| self.field_check(c))
                        .collect(),
                    decided_by,
                })
            }
            Rule::extend_decl => {
                let mut it = inner.into_inner().peekable();
                let target = it.next()?;
                let is_kind = target.as_str().starts_with("kind");
                let name = self.ident(it.next()?);
                let decided_by = match it.peek().map(Pair::as_rule) {
                    Some(Rule::decided_by) => Some(self.decided_by(it.next()?)?),
                    _ => None,
                };
                let fields = it.filter_map(|f| self.field(f)).collect();
                DeclKind::Extend(StructDecl {
                    is_kind,
                    name,
                    body: StructBody::Fields(fields),
                    checks: Vec::new(),
                    decided_by,
                })
            }
            Rule::struct_decl => {
                let mut it = inner.into_inner().peekable();
                let name = self.ident(it.next()?);
                let mut checks = Vec::new();
                let body = if it.peek().map(Pair::as_rule) == Some(Rule::tagged_by) {
                    let tag = self.ident(it.next()?.into_inner().next()?);
                    let variants = it
                        .filter_map(|v| {
                            let mut vi = v.into_inner();
                            let name = self.ident(vi.next()?);
                            let fields = vi.filter_map(|f| self.field(f)).collect();
                            Some(VariantDecl { name, fields })
                        })
                        .collect();
                    StructBody::Tagged { tag, variants }
                } else {
                    let (cs, fields): (Vec<_>, Vec<_>) =
                        it.partition(|p| p.as_rule() == Rule::field_check);
                    checks = cs.into_iter().filter_map(|c| self.field_check(c)).collect();
                    StructBody::Fields(fields.into_iter().filter_map(|f| self.field(f)).collect())
                };
                DeclKind::Struct(StructDecl {
                    is_kind: false,
                    name,
                    body,
                    checks,
                    decided_by: None,
                })
            }
            Rule::param_decl | Rule::set_decl => {
                let is_override = inner.as_rule() == Rule::set_decl;
                let mut it = inner.into_inner().peekable();
                let name = self.ident(it.next()?);
                let mut marks = Vec::new();
                while let Some(p) = it.next_if(|p| p.as_rule() == Rule::field_mark) {
                    marks.push(self.mark(&p));
                }
                let value = self.expr(it.next()?);
                let validity = match it.next() {
                    Some(v) => Some(self.validity(v)?),
                    None => None,
                };
                DeclKind::Param(ParamDecl {
                    name,
                    value,
                    is_override,
                    validity,
                    marks,
                })
            }
            Rule::def_decl => {
                let mut parts: Vec<Pair<'_, Rule>> = inner.into_inner().collect();
                let body = self.expr(parts.pop()?);
                let mut names = parts.into_iter().map(|p| self.ident(p));
                let name = names.next()?;
                DeclKind::Def(DefDecl {
                    name,
                    params: names.collect(),
                    body,
                })
            }
            Rule::chain_decl => {
                let mut it = inner.into_inner();
                let name = self.ident(it.next()?);
                let items = it.filter_map(|i| self.chain_item(i)).collect();
                DeclKind::Chain(ChainDecl { name, items })
            }
            Rule::rule_decl => {
                let mut it = inner.into_inner();
                let id = self.ident(it.next()?);
                let mut next = it.next()?;
                let replaces = next.as_rule() == Rule::replaces;
                if replaces {
                    next = it.next()?;
                }
                let title = self.template(next);
                let mut it = it.peekable();
                let validity = match it.peek().map(Pair::as_rule) {
                    Some(Rule::validity) => Some(self.validity(it.next()?)?),
                    _ => None,
                };
                let items = it.filter_map(|i| self.rule_item(i)).collect();
                DeclKind::Rule(RuleDecl {
                    id,
                    replaces,
                    title,
                    items,
                    validity,
                })
            }
            Rule::validity_decl => DeclKind::Validity(self.validity(inner.into_inner().next()?)?),
            Rule::family_decl => {
                let mut it = inner.into_inner();
                let code = self.ident(it.next()?);
                let name = self.template(it.next()?);
                DeclKind::Family(FamilyDecl { code, name })
            }
            Rule::statistics_decl => {
                let mut it = inner.into_inner();
                let title = self.template(it.next()?);
                let var = self.ident(it.next()?);
                let kind = self.ident(it.next()?);
                let by = self.expr(it.next()?);
                let items = it
                    .filter_map(|i| self.stat_item(i.into_inner().next()?))
                    .collect();
                DeclKind::Statistics(StatisticsDecl {
                    title,
                    var,
                    kind,
                    by,
                    items,
                })
            }
            _ => return None,
        };
        Some(Decl {
            kind,
            span,
            doc: None,
        })
    }

    /// `decided by x => …`, as a lambda expression.
    fn decided_by(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let lambda = pair.into_inner().next()?;
        let span = self.span(&lambda);
        let mut li = lambda.into_inner();
        let var = self.ident(li.next()?);
        let body = self.expr(li.next()?);
        Some(Expr {
            kind: ExprKind::Lambda(var, Box::new(body)),
            span,
        })
    }

    /// `effective DATE until DATE`; a day that does not exist is an error.
    fn validity(&mut self, pair: Pair<'_, Rule>) -> Option<Validity> {
        let mut span = self.span(&pair);
        let mut from = None;
        let mut until = None;
        for clause in pair.into_inner() {
            // The clause ends with its last date, not with the blanks after it.
            span.end = self.span(&clause).end;
            let is_from = clause.as_rule() == Rule::effective_clause;
            let date = clause.into_inner().next()?;
            let dspan = self.span(&date);
            let parsed = match crate::date::Date::parse(date.as_str()) {
                Ok(d) => d,
                Err(_) => {
                    self.errors.push(
                        Diagnostic::error(dspan, format!("`{}` is no date", date.as_str()))
                            .with_help("write the day as YYYY-MM-DD, e.g. `2015-01-01`"),
                    );
                    return None;
                }
            };
            if is_from {
                from = Some((parsed, dspan));
            } else {
                until = Some((parsed, dspan));
            }
        }
        if let (Some((f, _)), Some((u, uspan))) = (from, until)
            && u < f
        {
            self.errors.push(
                Diagnostic::error(uspan, format!("`until {u}` is before `effective {f}`"))
                    .with_help("the period runs from the `effective` day to the `until` day, both included"),
            );
            return None;
        }
        Some(Validity { from, until, span })
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let name = self.ident(it.next()?);
        let ty = self.type_expr(it.next()?)?;
        let mut rest = it.peekable();
        let mut marks = Vec::new();
        while let Some(p) = rest.next_if(|p| p.as_rule() == Rule::field_mark) {
            marks.push(self.mark(&p));
        }
        let unique_by = match rest.peek().map(Pair::as_rule) {
            Some(Rule::unique_by) => rest
                .next()
                .and_then(|p| p.into_inner().next())
                .map(|p| self.ident(p)),
            _ => None,
        };
        let when = match rest.peek().map(Pair::as_rule) {
            Some(Rule::when_clause) => rest.next().and_then(|p| {
                let mut w = p.into_inner();
                let field = self.ident(w.next()?);
                let op = w.next()?;
                if op.as_str() != "==" {
                    self.errors.push(
                        Diagnostic::error(
                            self.span(&op),
                            format!("`when` compares with `==`, found `{}`", op.as_str()),
                        )
                        .with_help("write `when FIELD == VALUE`"),
                    );
                    return None;
                }
                let v = w.next()?;
                let value = if v.as_rule() == Rule::string {
                    let text = v.as_str();
                    Ident {
                        name: text
                            .get(1..text.len().saturating_sub(1))
                            .unwrap_or("")
                            .to_string(),
                        span: self.span(&v),
                    }
                } else {
                    self.ident(v)
                };
                Some(When { field, value })
            }),
            _ => None,
        };
        let default = rest.next().map(|p| self.expr(p));
        Some(FieldDecl {
            name,
            ty,
            default,
            unique_by,
            when,
            marks,
            span,
            doc: None,
        })
    }

    fn field_check(&mut self, pair: Pair<'_, Rule>) -> Option<FieldCheck> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let left = self.ident(it.next()?);
        let op_pair = it.next()?;
        let op = match op_pair.as_str() {
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            other => {
                self.errors.push(
                    Diagnostic::error(
                        self.span(&op_pair),
                        format!("`{other}` cannot compare two fields here"),
                    )
                    .with_help("use one of ==, !=, <, <=, >, >="),
                );
                return None;
            }
        };
        let right = self.ident(it.next()?);
        Some(FieldCheck {
            left,
            op,
            right,
            span,
        })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let atom = it.next()?.into_inner().next()?;
        let optional = it.next().is_some();
        let kind = match atom.as_rule() {
            Rule::list_type => TypeKind::List(Box::new(self.type_expr(atom.into_inner().next()?)?)),
            Rule::one_or_list => {
                let mut names = atom.into_inner().filter_map(|p| p.into_inner().next());
                let one = self.ident(names.next()?);
                let many = self.ident(names.next()?);
                TypeKind::OneOrList(one, many)
            }
            Rule::ref_type => TypeKind::Ref(self.ident(atom.into_inner().next()?)),
            Rule::key_type => {
                let mut names = atom.into_inner().map(|p| self.ident(p));
                TypeKind::Key {
                    via: names.next()?,
                    list: names.next()?,
                    field: names.next()?,
                }
            }
            _ => TypeKind::Named(self.ident(atom.into_inner().next()?)),
        };
        Some(TypeExpr {
            kind,
            optional,
            span,
        })
    }

    fn chain_item(&mut self, pair: Pair<'_, Rule>) -> Option<ChainItem> {
        let inner = pair.into_inner().next()?;
        let rule = inner.as_rule();
        let names = self.idents(inner);
        let first = || names.first().cloned();
        Some(match rule {
            Rule::chain_steps => ChainItem::Steps(first()?, names.get(1).cloned()?),
            Rule::chain_name => ChainItem::Name(first()?),
            Rule::chain_date => ChainItem::Date(first()?),
            Rule::chain_actor => ChainItem::Actor(first()?),
            Rule::chain_order => ChainItem::Order(names),
            Rule::chain_optional => ChainItem::Optional(names),
            _ => ChainItem::Distinct(names),
        })
    }

    /// `@personal`: the name without the `@`, the span with it.
    fn mark(&self, p: &Pair<'_, Rule>) -> Ident {
        let s = p.as_span();
        Ident {
            name: p.as_str().trim_start_matches('@').to_string(),
            span: Span::new(self.file, self.base + s.start(), self.base + s.end()),
        }
    }

    /// `let x = …` or `column "名称" percent? = … target …?` of `statistics`.
    fn stat_item(&mut self, pair: Pair<'_, Rule>) -> Option<StatItem> {
        let rule = pair.as_rule();
        let mut it = pair.into_inner().peekable();
        Some(match rule {
            Rule::stat_let => {
                let name = self.ident(it.next()?);
                StatItem::Let(name, self.expr(it.next()?))
            }
            _ => {
                let name = self.template(it.next()?);
                let percent = it.next_if(|p| p.as_rule() == Rule::stat_percent).is_some();
                let value = self.expr(it.next()?);
                let target = match it.next() {
                    Some(t) => Some(self.expr(t.into_inner().next()?)),
                    None => None,
                };
                StatItem::Column(StatColumn {
                    name,
                    percent,
                    value,
                    target,
                })
            }
        })
    }

    fn rule_item(&mut self, pair: Pair<'_, Rule>) -> Option<RuleItem> {
        let inner = pair.into_inner().next()?;
        let rule = inner.as_rule();
        let mut it = inner.into_inner();
        Some(match rule {
            Rule::severity_item => RuleItem::Severity(self.ident(it.next()?)),
            Rule::card_item => RuleItem::Card(self.ident(it.next()?)),
            Rule::cite_item => RuleItem::Cite(self.template(it.next()?)),
            Rule::for_item => RuleItem::For(
                it.filter_map(|b| {
                    let mut bi = b.into_inner();
                    let var = self.ident(bi.next()?);
                    let src = bi.next()?;
                    let source = if src.as_rule() == Rule::all_kinds {
                        BindingSource::AllKinds(self.span(&src))
                    } else {
                        BindingSource::Expr(self.expr(src))
                    };
                    Some(Binding { var, source })
                })
                .collect(),
            ),
            Rule::where_item => RuleItem::Where(self.expr(it.next()?)),
            Rule::let_item => {
                let name = self.ident(it.next()?);
                RuleItem::Let(name, self.expr(it.next()?))
            }
            Rule::require_item => RuleItem::Require(self.expr(it.next()?)),
            Rule::at_item => RuleItem::At(self.expr(it.next()?)),
            Rule::message_item => RuleItem::Message(self.template(it.next()?)),
            Rule::help_item => RuleItem::Help(self.template(it.next()?)),
            Rule::related_item => {
                let e = self.expr(it.next()?);
                RuleItem::Related(e, self.template(it.next()?))
            }
            _ => return None,
        })
    }

    fn template(&mut self, pair: Pair<'_, Rule>) -> Template {
        let span = self.span(&pair);
        match self.string_expr(pair.into_inner().collect(), span).kind {
            ExprKind::Str(t) => t,
            _ => Template {
                parts: Vec::new(),
                span,
            },
        }
    }

    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let text = pair.as_str();
        let mut inner: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let kind = match rule {
            Rule::expr | Rule::primary => match inner.pop() {
                Some(p) => return self.expr(p),
                None => ExprKind::None,
            },
            Rule::lambda => {
                let mut it = inner.into_iter();
                match (it.next(), it.next()) {
                    (Some(v), Some(body)) => {
                        ExprKind::Lambda(self.ident(v), Box::new(self.expr(body)))
                    }
                    _ => ExprKind::None,
                }
            }
            Rule::if_expr => {
                let mut it = inner.into_iter().map(|p| self.expr(p));
                match (it.next(), it.next(), it.next()) {
                    (Some(c), Some(a), Some(b)) => {
                        ExprKind::If(Box::new(c), Box::new(a), Box::new(b))
                    }
                    _ => ExprKind::None,
                }
            }
            Rule::or_expr
            | Rule::and_expr
            | Rule::add_expr
            | Rule::mul_expr
            | Rule::default_expr
            | Rule::cmp_expr => {
                return self.binary_chain(inner, span);
            }
            Rule::not_expr | Rule::unary_expr if inner.len() > self.max_chain + 1 => {
                return self.too_long(span);
            }
            Rule::postfix_expr if inner.len() > self.max_chain + 1 => return self.too_long(span),
            Rule::not_expr | Rule::unary_expr => {
                let Some(operand) = inner.pop() else {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                };
                let mut e = self.expr(operand);
                for op in inner.into_iter().rev() {
                    let op_span = self.span(&op);
                    let un = if op.as_rule() == Rule::not_op {
                        UnOp::Not
                    } else {
                        UnOp::Neg
                    };
                    e = Expr {
                        span: op_span.to(e.span),
                        kind: ExprKind::Unary(un, Box::new(e)),
                    };
                }
                return e;
            }
            Rule::postfix_expr => {
                let mut it = inner.into_iter();
                let Some(first) = it.next() else {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                };
                let mut e = self.expr(first);
                for post in it {
                    let post_span = self.span(&post);
                    let is_field = post.as_rule() == Rule::field_access;
                    let Some(arg) = post.into_inner().next() else {
                        continue;
                    };
                    // The chain so far moves into its new head: copied at
                    // every step, a long chain cost its length squared.
                    let span = e.span.to(post_span);
                    let kind = if is_field {
                        ExprKind::Field(Box::new(e), self.ident(arg))
                    } else {
                        let index = self.expr(arg);
                        ExprKind::Index(Box::new(e), Box::new(index))
                    };
                    e = Expr { span, kind };
                }
                return e;
            }
            Rule::list_lit => ExprKind::List(inner.into_iter().map(|p| self.expr(p)).collect()),
            Rule::call => {
                let mut it = inner.into_iter();
                match it.next() {
                    Some(name) => {
                        let name = self.ident(name);
                        ExprKind::Call(name, it.map(|p| self.expr(p)).collect())
                    }
                    None => ExprKind::None,
                }
            }
            Rule::name_ref => match inner.pop() {
                Some(p) => ExprKind::Name(self.ident(p)),
                None => ExprKind::None,
            },
            Rule::bool_lit => ExprKind::Bool(text == "true"),
            Rule::none_lit => ExprKind::None,
            Rule::number => self.number(inner, span),
            Rule::date_lit => match crate::date::Date::parse(text) {
                Ok(d) => ExprKind::Date(d),
                Err(e) => {
                    self.errors.push(
                        Diagnostic::error(span, format!("`{text}` is not a date: {e}"))
                            .with_help("write a day that exists, as YYYY-MM-DD"),
                    );
                    ExprKind::None
                }
            },
            Rule::string => return self.string_expr(inner, span),
            _ => ExprKind::None,
        };
        Expr { kind, span }
    }

    fn string_expr(&mut self, parts: Vec<Pair<'_, Rule>>, span: Span) -> Expr {
        let mut out: Vec<TemplatePart> = Vec::new();
        for p in parts {
            let piece = match p.as_rule() {
                Rule::str_text => Some(p.as_str().to_string()),
                Rule::str_brace => Some(p.as_str().get(..1).unwrap_or("").to_string()),
                Rule::str_escape => Some(match p.as_str().chars().nth(1).unwrap_or('\\') {
                    'n' => "\n".to_string(),
                    't' => "\t".to_string(),
                    other => other.to_string(),
                }),
                Rule::interp => {
                    if let Some(e) = p.into_inner().next() {
                        let expr = self.expr(e);
                        out.push(TemplatePart::Expr(expr));
                    }
                    None
                }
                _ => None,
            };
            if let Some(text) = piece {
                if let Some(TemplatePart::Text(t)) = out.last_mut() {
                    t.push_str(&text);
                } else {
                    out.push(TemplatePart::Text(text));
                }
            }
        }
        Expr {
            kind: ExprKind::Str(Template { parts: out, span }),
            span,
        }
    }

    fn number(&mut self, inner: Vec<Pair<'_, Rule>>, span: Span) -> ExprKind {
        let mut it = inner.into_iter();
        let digits = it
            .next()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let unit = it.next().map(|p| p.as_str().to_string());
        let factor = match unit.as_deref() {
            Some("万") => 10_000,
            Some("亿") => 100_000_000,
            _ => 1,
        };
        let kind = match unit.as_deref() {
            None | Some("%") => NumUnit::None,
            Some("天" | "日") => NumUnit::Days,
            Some(_) => NumUnit::Money,
        };
        let divisor = if unit.as_deref() == Some("%") { 100 } else { 1 };
        match Num::parse_decimal(&digits)
            .and_then(|n| n.checked_mul(Num::int(factor)))
            .and_then(|n| n.checked_div(Num::int(divisor)))
        {
            Some(n) => ExprKind::Num(n, kind),
            None => {
                self.errors.push(
                    Diagnostic::error(
                        span,
                        format!("number `{digits}` is too large or too precise"),
                    )
                    .with_help("numbers have at most 30 digits"),
                );
                ExprKind::Num(Num::ZERO, kind)
            }
        }
    }

    /// Refuse an operator chain longer than `max_chain`.
    fn too_long(&mut self, span: Span) -> Expr {
        self.errors.push(
            Diagnostic::error(span, format!("expression chains more than {} operators", self.max_chain))
                .with_help("split the expression with `let` or `def`, or raise the limit (up to 1,000) with --max-expr-depth"),
        );
        Expr {
            kind: ExprKind::None,
            span,
        }
    }

    /// Fold `a op b op c` left to right.
    fn binary_chain(&mut self, inner: Vec<Pair<'_, Rule>>, span: Span) -> Expr {
        if inner.len() > 2 * self.max_chain + 1 {
            return self.too_long(span);
        }
        let mut it = inner.into_iter();
        let Some(first) = it.next() else {
            return Expr {
                kind: ExprKind::None,
                span,
            };
        };
        let mut lhs = self.expr(first);
        while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
            let rhs = self.expr(rhs);
            let text = op.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
            let op = match text.as_str() {
                "or" => BinOp::Or,
                "and" => BinOp::And,
                "==" => BinOp::Eq,
                "!=" => BinOp::Ne,
                "<" => BinOp::Lt,
                "<=" => BinOp::Le,
                ">" => BinOp::Gt,
                ">=" => BinOp::Ge,
                "in" => BinOp::In,
                "not in" => BinOp::NotIn,
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "|" => BinOp::Union,
                "*" => BinOp::Mul,
                "/" => BinOp::Div,
                "&" => BinOp::Intersect,
                _ => BinOp::Default,
            };
            lhs = Expr {
                span: lhs.span.to(rhs.span),
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            };
        }
        lhs
    }
}
