//! One line of documentation per keyword, for hover and completion.

/// Keywords of the rule language with what they do.
pub const KEYWORDS: &[(&str, &str)] = &[
    (
        "rule",
        "rule ID \"标题\" { … }: a check with its severity, cite, scope, conditions, anchor, message and help",
    ),
    (
        "param",
        "param 名称 = 值: a named constant (20万, 30天, \"text\", lists) that a locality can override",
    ),
    (
        "set",
        "set 名称 = 值: override a parameter declared elsewhere",
    ),
    (
        "kind",
        "kind 名称 { field: type … }: a record kind (a YAML document with `kind:` and `id:`)",
    ),
    (
        "struct",
        "struct 名称 { … } or struct 名称 tagged by FIELD { 变体 { … } … }: a nested structure",
    ),
    (
        "enum",
        "enum 名称 { 甲, 乙, \"不予许可（补正后）\" }: the values a field may take (quote those that are no names)",
    ),
    (
        "extend",
        "extend kind 名称 { field: type? … }: add optional fields (or fields with a default) to a kind or struct declared in an earlier file",
    ),
    (
        "effective",
        "effective YYYY-MM-DD: from which day a rule, a `set` or (on its own line) a whole rule file is in force",
    ),
    (
        "until",
        "until YYYY-MM-DD: the last day a rule, a `set` or a rule file is in force",
    ),
    (
        "decided",
        "kind 名称 decided by x => date { … }: the date that decides which dated rules judge a record of the kind",
    ),
    (
        "replaces",
        "rule ID replaces \"标题\" { … }: a local version of a rule declared in an earlier file, under the same id",
    ),
    (
        "def",
        "def 名称(x) = 表达式: a named expression, expanded where it is used (no recursion)",
    ),
    (
        "chain",
        "chain 名称 { steps KIND.FIELD, name F, date F, actor F, order A -> B, optional …, distinct … }: a template of steps",
    ),
    (
        "import",
        "import \"file.rules\": load another rule file, relative to this one",
    ),
    (
        "severity",
        "severity error|warning: how serious a finding is",
    ),
    ("cite", "cite \"…\": the clause the rule enforces"),
    (
        "card",
        "card red|yellow: the electronic supervision's card (红牌 超期督办, 黄牌 限期办件警示) a finding of the rule is; 违规预警 lists cards first",
    ),
    (
        "family",
        "family CODE \"名称\": the name reports give the rules whose id starts with `CODE-`",
    ),
    (
        "statistics",
        "statistics \"标题\" for xs in KIND by x => unit { let …; column … }: a table for reports, one row per unit, where `xs` is the list of the unit's records",
    ),
    (
        "column",
        "column \"名称\" [percent] = 数值 [target 目标]: a column of a `statistics` table, a number (or none) for one unit",
    ),
    (
        "target",
        "target 目标: the value a `statistics` column should reach; the report marks the units below it",
    ),
    (
        "for",
        "for x in KIND, y in x.list: what the rule checks, one finding per element at most",
    ),
    (
        "where",
        "where 条件: only elements where the condition holds are considered",
    ),
    (
        "let",
        "let 名称 = 表达式: a value for the following clauses and the message",
    ),
    (
        "require",
        "require 条件: the rule fires where the condition is false; in a struct or kind, `require a <= b` makes every value keep that order between two of its fields (an input error otherwise)",
    ),
    (
        "when",
        "field: type when FIELD == VALUE: the field is required when the sibling field has that value and must be absent otherwise",
    ),
    ("at", "at 表达式: the field the finding points at"),
    (
        "message",
        "message \"… {表达式} …\": the finding's message, naming the facts",
    ),
    ("help", "help \"…\": what would make the record comply"),
    (
        "related",
        "related 表达式 \"说明\": other places the finding concerns",
    ),
    ("and", "a and b: both"),
    ("or", "a or b: either"),
    (
        "not",
        "not a: the opposite; `x not in list`: x is not an element",
    ),
    ("in", "x in list: x is an element of the list"),
    ("if", "if 条件 then a else b"),
    ("then", "if 条件 then a else b"),
    ("else", "if 条件 then a else b"),
    (
        "none",
        "none: no value (an optional field left out); none(list, x => …): no element satisfies the condition",
    ),
    ("true", "true"),
    ("false", "false"),
    (
        "tagged",
        "struct 名称 tagged by FIELD { … }: the fields depend on FIELD's value",
    ),
    ("ref", "ref KIND: the id of a record of that kind"),
    (
        "key",
        "key FIELD.LIST.KEY: a value of KEY among the LIST elements of the record the sibling FIELD names",
    ),
    (
        "unique",
        "[T] unique by FIELD: no two elements share FIELD's value",
    ),
    (
        "steps",
        "steps KIND.FIELD: the list of steps a chain checks",
    ),
    (
        "order",
        "order A -> B -> C: the order of the chain's steps, all required unless `optional`",
    ),
    (
        "optional",
        "optional A, B: chain steps that may be left out",
    ),
    (
        "distinct",
        "distinct A, B: chain steps that must be performed by different people",
    ),
    ("actor", "actor FIELD: who performed a chain step"),
];

/// The documentation of a keyword.
pub fn doc(word: &str) -> Option<&'static str> {
    KEYWORDS.iter().find(|(k, _)| *k == word).map(|(_, d)| *d)
}
