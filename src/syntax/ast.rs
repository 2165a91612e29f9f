//! The abstract syntax tree of rule files. Every node keeps its span; spans
//! are left out of equality so that trees can be compared by meaning.

use crate::num::Num;
use crate::source::Span;

/// A name as written, with its span.
#[derive(Clone, Debug)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

impl PartialEq for Ident {
    fn eq(&self, other: &Ident) -> bool {
        self.name == other.name
    }
}

/// A parsed rule file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    /// Declarations in file order.
    pub decls: Vec<Decl>,
}

/// One top-level declaration.
#[derive(Clone, Debug)]
pub struct Decl {
    /// What it declares.
    pub kind: DeclKind,
    /// The whole declaration.
    pub span: Span,
    /// The `///` comment lines right above it, joined with newlines.
    pub doc: Option<String>,
}

impl PartialEq for Decl {
    fn eq(&self, other: &Decl) -> bool {
        self.kind == other.kind && self.doc == other.doc
    }
}

/// The declarations of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    /// `import "other.rules"`.
    Import(Template),
    /// `enum 名称 { 甲, 乙 }`.
    Enum(EnumDecl),
    /// `struct` (nested) or `kind` (a record kind, with `kind` and `id`).
    Struct(StructDecl),
    /// `extend kind NAME { … }` or `extend struct NAME { … }`: fields added
    /// to a kind or struct declared in an earlier file.
    Extend(StructDecl),
    /// `param 名称 = 值` or `set 名称 = 值` (override of an existing parameter).
    Param(ParamDecl),
    /// `def 名称(x) = 表达式`.
    Def(DefDecl),
    /// `chain 名称 { … }`.
    Chain(ChainDecl),
    /// `rule ID "标题" { … }`.
    Rule(RuleDecl),
    /// `effective 2015-01-01 until 2016-12-31` standing alone: the period
    /// of every rule and `set` of the file that gives none of its own.
    Validity(Validity),
    /// `family SZYD "三重一大"`: the name of the rules whose id starts with `SZYD-`.
    Family(FamilyDecl),
    /// `statistics "标题" for xs in KIND by f { … }`: a table for reports.
    Statistics(StatisticsDecl),
}

/// `family CODE "名称"`.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilyDecl {
    /// The id prefix, e.g. `SZYD`.
    pub code: Ident,
    /// The name reports show.
    pub name: Template,
}

/// `statistics "标题" for 办件 in application by 办件单位 { … }`: one row
/// per unit, the value of `by` for each record of the kind; in the body
/// the variable is the list of one unit's records.
#[derive(Clone, Debug, PartialEq)]
pub struct StatisticsDecl {
    /// The table's title.
    pub title: Template,
    /// The variable holding one unit's records.
    pub var: Ident,
    /// The record kind.
    pub kind: Ident,
    /// The unit of a record: a function of one record.
    pub by: Expr,
    /// `let` and `column` in order.
    pub items: Vec<StatItem>,
}

/// One clause of a `statistics` declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum StatItem {
    /// `let name = value`.
    Let(Ident, Expr),
    /// `column "名称" percent? = value target?`.
    Column(StatColumn),
}

/// `column "名称" percent = value target 目标`.
#[derive(Clone, Debug, PartialEq)]
pub struct StatColumn {
    /// The column head.
    pub name: Template,
    /// Shown as a percentage.
    pub percent: bool,
    /// The value for one unit (a number, or none).
    pub value: Expr,
    /// `target 值`: the value a unit should reach.
    pub target: Option<Expr>,
}

/// When a rule, a parameter value or a file is in force: from the first to
/// the last day, both included; an open end is unbounded.
#[derive(Clone, Debug)]
pub struct Validity {
    /// `effective DATE`: the first day in force.
    pub from: Option<(crate::date::Date, Span)>,
    /// `until DATE`: the last day in force.
    pub until: Option<(crate::date::Date, Span)>,
    /// The whole clause.
    pub span: Span,
}

impl PartialEq for Validity {
    fn eq(&self, other: &Validity) -> bool {
        self.from.map(|d| d.0) == other.from.map(|d| d.0)
            && self.until.map(|d| d.0) == other.until.map(|d| d.0)
    }
}

/// An enumeration of allowed text values.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    /// Its name.
    pub name: Ident,
    /// The allowed values.
    pub members: Vec<Ident>,
}

/// A structure or a record kind.
#[derive(Clone, Debug, PartialEq)]
pub struct StructDecl {
    /// `true` for `kind` (a top-level record kind).
    pub is_kind: bool,
    /// Its name.
    pub name: Ident,
    /// Fields, or tagged variants.
    pub body: StructBody,
    /// `decided by x => date`: the date deciding which dated rules judge a
    /// record of the kind (a `x => …` lambda).
    pub decided_by: Option<Expr>,
    /// `require a <= b`: orders between fields that every value must keep.
    pub checks: Vec<FieldCheck>,
}

/// `require from <= to` in a struct: a comparison of two of its fields.
#[derive(Clone, Debug)]
pub struct FieldCheck {
    /// The field on the left.
    pub left: Ident,
    /// The comparison.
    pub op: BinOp,
    /// The field on the right.
    pub right: Ident,
    /// The whole clause.
    pub span: Span,
}

impl PartialEq for FieldCheck {
    fn eq(&self, other: &FieldCheck) -> bool {
        self.left == other.left && self.op == other.op && self.right == other.right
    }
}

/// `when status == 取消`: a field required under a sibling's value and
/// absent otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct When {
    /// The sibling field.
    pub field: Ident,
    /// The value that requires the field.
    pub value: Ident,
}

/// The body of a struct.
#[derive(Clone, Debug, PartialEq)]
pub enum StructBody {
    /// Plain fields.
    Fields(Vec<FieldDecl>),
    /// `tagged by FIELD { 变体 { … } … }`: the fields depend on the tag's value.
    Tagged {
        /// The field that names the variant.
        tag: Ident,
        /// The variants.
        variants: Vec<VariantDecl>,
    },
}

/// One variant of a tagged struct.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantDecl {
    /// The tag value that selects it.
    pub name: Ident,
    /// Its fields (besides the tag).
    pub fields: Vec<FieldDecl>,
}

/// `name: type = default`.
#[derive(Clone, Debug)]
pub struct FieldDecl {
    /// The field name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The value used when the field is absent.
    pub default: Option<Expr>,
    /// `unique by FIELD`: elements of the list must differ in that field.
    pub unique_by: Option<Ident>,
    /// `when FIELD == VALUE`: required then, absent otherwise.
    pub when: Option<When>,
    /// Report marks written after the type (`@personal` …): names without
    /// the `@`, spans with it.
    pub marks: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
    /// Doc comment lines above it.
    pub doc: Option<String>,
}

impl PartialEq for FieldDecl {
    fn eq(&self, other: &FieldDecl) -> bool {
        self.name == other.name
            && self.ty == other.ty
            && self.default == other.default
            && self.unique_by == other.unique_by
            && self.when == other.when
            && self.marks == other.marks
    }
}

/// A type as written.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    /// The type.
    pub kind: TypeKind,
    /// Written with a trailing `?`.
    pub optional: bool,
    /// Where.
    pub span: Span,
}

impl PartialEq for TypeExpr {
    fn eq(&self, other: &TypeExpr) -> bool {
        self.kind == other.kind && self.optional == other.optional
    }
}

/// The shapes of written types.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `text`, `money`, an enum or struct name …
    Named(Ident),
    /// `[T]`.
    List(Box<TypeExpr>),
    /// `T or [T]`: one value or a list, read as a list.
    OneOrList(Ident, Ident),
    /// `ref KIND`: the id of a record of that kind.
    Ref(Ident),
    /// `key FIELD.LIST.KEY`: a value of `KEY` among the `LIST` elements of
    /// the record that the sibling reference `FIELD` names.
    Key {
        /// The sibling field holding a `ref`.
        via: Ident,
        /// The list field of the referenced record.
        list: Ident,
        /// The key field of the list's elements.
        field: Ident,
    },
}

/// `param` or `set`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    /// The parameter.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// `set`: overrides a parameter declared elsewhere.
    pub is_override: bool,
    /// `set … effective …`: when the value is in force.
    pub validity: Option<Validity>,
    /// Report marks after the name (`@surnames`): names without the `@`.
    pub marks: Vec<Ident>,
}

/// `def name(a, b) = body`.
#[derive(Clone, Debug, PartialEq)]
pub struct DefDecl {
    /// Its name.
    pub name: Ident,
    /// Parameter names.
    pub params: Vec<Ident>,
    /// The body.
    pub body: Expr,
}

/// A chain template.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainDecl {
    /// Its name.
    pub name: Ident,
    /// Its clauses.
    pub items: Vec<ChainItem>,
}

/// One clause of a chain.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainItem {
    /// `steps KIND.FIELD`: the list the chain checks.
    Steps(Ident, Ident),
    /// `name FIELD`: the field naming each step.
    Name(Ident),
    /// `date FIELD`: the field dating each step.
    Date(Ident),
    /// `actor FIELD`: the field naming who performed it.
    Actor(Ident),
    /// `order A -> B -> C`.
    Order(Vec<Ident>),
    /// `optional A, B`: steps that may be left out.
    Optional(Vec<Ident>),
    /// `distinct A, B`: steps that must be performed by different people.
    Distinct(Vec<Ident>),
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    /// `SZYD-002`.
    pub id: Ident,
    /// `replaces`: this rule takes the place of an earlier one with its id.
    pub replaces: bool,
    /// The title.
    pub title: Template,
    /// Its clauses in order.
    pub items: Vec<RuleItem>,
    /// `effective … until …`: when this version of the rule is in force.
    pub validity: Option<Validity>,
}

/// One clause of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleItem {
    /// `severity error|warning`.
    Severity(Ident),
    /// `cite "…"`.
    Cite(Template),
    /// `for a in X, b in a.list`.
    For(Vec<Binding>),
    /// `where cond`: only elements that pass are considered.
    Where(Expr),
    /// `let name = value`.
    Let(Ident, Expr),
    /// `require cond`: the rule fires where it is false.
    Require(Expr),
    /// `at expr`: the value whose position the finding points at.
    At(Expr),
    /// `message "…"`.
    Message(Template),
    /// `help "…"`.
    Help(Template),
    /// `related expr "note"`: other places the finding concerns.
    Related(Expr, Template),
    /// `card red|yellow`: the supervision card a finding of the rule is.
    Card(Ident),
}

/// `name in source` in a `for`.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// The variable.
    pub var: Ident,
    /// What it ranges over.
    pub source: BindingSource,
}

/// What a `for` binding ranges over.
#[derive(Clone, Debug)]
pub enum BindingSource {
    /// `*`: every record of every kind.
    AllKinds(Span),
    /// A kind name or a list expression.
    Expr(Expr),
}

impl PartialEq for BindingSource {
    fn eq(&self, other: &BindingSource) -> bool {
        match (self, other) {
            (BindingSource::AllKinds(_), BindingSource::AllKinds(_)) => true,
            (BindingSource::Expr(a), BindingSource::Expr(b)) => a == b,
            _ => false,
        }
    }
}

/// A string with `{expr}` parts.
#[derive(Clone, Debug)]
pub struct Template {
    /// The pieces in order.
    pub parts: Vec<TemplatePart>,
    /// The whole literal, quotes included.
    pub span: Span,
}

impl PartialEq for Template {
    fn eq(&self, other: &Template) -> bool {
        self.parts == other.parts
    }
}

impl Template {
    /// The text when there are no interpolations.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Expr(_) => return None,
            }
        }
        Some(out)
    }
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// An interpolated value.
    Expr(Expr),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

/// The unit written after a number literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumUnit {
    /// A plain number.
    None,
    /// 元, 万 or 亿: money.
    Money,
    /// 天 or 日: a number of days.
    Days,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `not`.
    Not,
    /// `-`.
    Neg,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`.
    In,
    /// `not in`.
    NotIn,
    /// `??`: the left side, or the right where it is none.
    Default,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `|`: union of lists.
    Union,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `&`: intersection of lists.
    Intersect,
}

impl BinOp {
    /// Whether the operator compares its operands (`==`, `!=`, `<`, `<=`,
    /// `>`, `>=`, `in`, `not in`): a test that gives true or false and
    /// cannot fail.
    pub fn is_test(self) -> bool {
        matches!(
            self,
            BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::In
                | BinOp::NotIn
        )
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Default => "??",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Union => "|",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Intersect => "&",
        }
    }
}

/// The shapes of expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal with its unit.
    Num(Num, NumUnit),
    /// A date literal, `2014-09-30`.
    Date(crate::date::Date),
    /// A string literal, possibly with interpolations.
    Str(Template),
    /// `true` / `false`.
    Bool(bool),
    /// `none`.
    None,
    /// `[a, b]`.
    List(Vec<Expr>),
    /// A variable, parameter or kind name.
    Name(Ident),
    /// `x.field`.
    Field(Box<Expr>, Ident),
    /// `x[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `f(a, b)`.
    Call(Ident, Vec<Expr>),
    /// `x => body`, only as an argument.
    Lambda(Ident, Box<Expr>),
    /// `not x`, `-x`.
    Unary(UnOp, Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// The sub-expressions directly under this one.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Num(..)
            | ExprKind::Date(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Name(_) => Vec::new(),
            ExprKind::Str(t) => t.exprs(),
            ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().collect(),
            ExprKind::Field(e, _) | ExprKind::Lambda(_, e) | ExprKind::Unary(_, e) => vec![e],
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::If(a, b, c) => vec![a, b, c],
        }
    }

    /// How deeply the expression nests, counted without recursion (so that
    /// a hostile depth is measured before anything recurses over it).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            stack.extend(e.children().into_iter().map(|c| (c, d + 1)));
        }
        deepest
    }
}

impl Template {
    /// The interpolated expressions.
    pub fn exprs(&self) -> Vec<&Expr> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                TemplatePart::Expr(e) => Some(e),
                TemplatePart::Text(_) => None,
            })
            .collect()
    }
}

impl Decl {
    /// The expressions written in the declaration.
    pub fn exprs(&self) -> Vec<&Expr> {
        match &self.kind {
            DeclKind::Import(t) => t.exprs(),
            DeclKind::Enum(_) | DeclKind::Chain(_) | DeclKind::Validity(_) => Vec::new(),
            DeclKind::Family(f) => f.name.exprs(),
            DeclKind::Statistics(s) => {
                let mut v = s.title.exprs();
                v.push(&s.by);
                for item in &s.items {
                    match item {
                        StatItem::Let(_, e) => v.push(e),
                        StatItem::Column(c) => {
                            v.extend(c.name.exprs());
                            v.push(&c.value);
                            v.extend(c.target.as_ref());
                        }
                    }
                }
                v
            }
            DeclKind::Struct(s) | DeclKind::Extend(s) => {
                let mut v: Vec<&Expr> = match &s.body {
                    StructBody::Fields(f) => f.iter().filter_map(|f| f.default.as_ref()).collect(),
                    StructBody::Tagged { variants, .. } => variants
                        .iter()
                        .flat_map(|v| v.fields.iter().filter_map(|f| f.default.as_ref()))
                        .collect(),
                };
                v.extend(s.decided_by.as_ref());
                v
            }
            DeclKind::Param(p) => vec![&p.value],
            DeclKind::Def(d) => vec![&d.body],
            DeclKind::Rule(r) => r
                .items
                .iter()
                .flat_map(|i| match i {
                    RuleItem::Severity(_) | RuleItem::Card(_) => Vec::new(),
                    RuleItem::Cite(t) | RuleItem::Message(t) | RuleItem::Help(t) => t.exprs(),
                    RuleItem::For(bs) => bs
                        .iter()
                        .filter_map(|b| match &b.source {
                            BindingSource::Expr(e) => Some(e),
                            BindingSource::AllKinds(_) => None,
                        })
                        .collect(),
                    RuleItem::Where(e)
                    | RuleItem::Let(_, e)
                    | RuleItem::Require(e)
                    | RuleItem::At(e) => vec![e],
                    RuleItem::Related(e, t) => {
                        let mut v = vec![e];
                        v.extend(t.exprs());
                        v
                    }
                })
                .collect(),
        }
    }
}
