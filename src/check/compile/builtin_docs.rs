//! The documentation table of the built-in functions.

/// One built-in function as the documentation shows it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinDoc {
    /// The name a rule calls.
    pub name: &'static str,
    /// How it is called, e.g. `count(list) or count(list, x => cond)`.
    pub signature: &'static str,
    /// What it gives.
    pub doc: &'static str,
    /// What it costs to evaluate.
    pub cost: &'static str,
    /// One call as a rule would write it.
    pub example: &'static str,
}

impl BuiltinDoc {
    /// The one-line usage shown by hover, completion and error help.
    pub fn usage(&self) -> String {
        format!("{}: {}", self.signature, self.doc)
    }
}

/// The built-ins section of `docs/language.md`, rendered from [`BUILTINS`].
pub fn builtins_markdown() -> String {
    let mut md = String::from(
        "<!-- Generated from `BUILTINS` in src/check/compile/builtin_docs.rs: edit the table, then run\n     `SUNLIGHT_UPDATE_DOCS=1 cargo test --test docs`. -->\n",
    );
    for b in BUILTINS {
        md.push_str(&format!(
            "\n### `{}`\n\n`{}`\n\n{}.\n\n- cost: {}\n- example: `{}`\n",
            b.name,
            b.signature,
            capitalized(b.doc),
            b.cost,
            b.example
        ));
    }
    md
}

/// The text with its first letter upper-case, as a sentence begins.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The built-in functions (and the name `today`): the editor's hover and
/// completion, usage lines of errors and the language reference
/// (`docs/language.md`) are all made from this table.
pub const BUILTINS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "count",
        signature: "count(list) or count(list, x => cond)",
        doc: "how many elements (that satisfy cond)",
        cost: "one pass over the list",
        example: "count(m.items, x => x.category == \"重要干部任免\")",
    },
    BuiltinDoc {
        name: "sum",
        signature: "sum(list) or sum(list, x => amount)",
        doc: "the total",
        cost: "one pass over the list",
        example: "sum(m.items, x => x.amount ?? 0)",
    },
    BuiltinDoc {
        name: "any",
        signature: "any(list, x => cond)",
        doc: "whether some element satisfies cond",
        cost: "one pass over the list, stopping at the first match",
        example: "any(m.items, x => x.category == \"大额资金使用\")",
    },
    BuiltinDoc {
        name: "all",
        signature: "all(list, x => cond)",
        doc: "whether every element satisfies cond",
        cost: "one pass over the list, stopping at the first failure",
        example: "all(i.opinions, x => x.stance == \"同意\")",
    },
    BuiltinDoc {
        name: "none",
        signature: "none(list, x => cond)",
        doc: "whether no element satisfies cond",
        cost: "one pass over the list, stopping at the first match",
        example: "none(m.observers, x => x.unit == \"区纪委\")",
    },
    BuiltinDoc {
        name: "first",
        signature: "first(list) or first(list, x => cond)",
        doc: "the first element (that satisfies cond), or none",
        cost: "one pass over the list, stopping at the first match",
        example: "first(d.steps, x => x.step == \"划拨\")",
    },
    BuiltinDoc {
        name: "last",
        signature: "last(list) or last(list, x => cond)",
        doc: "the last element (that satisfies cond), or none",
        cost: "one pass over the list",
        example: "last(a.steps, x => x.step == \"承办\")",
    },
    BuiltinDoc {
        name: "position",
        signature: "position(list, x => cond)",
        doc: "the 1-based position of the first element that satisfies cond, or none",
        cost: "one pass over the list, stopping at the first match",
        example: "position(d.steps, x => x.step == \"签字\")",
    },
    BuiltinDoc {
        name: "distinct",
        signature: "distinct(list) or distinct(list, x => key)",
        doc: "the list without repeated values, or without elements whose key repeats an earlier one's (the first is kept)",
        cost: "one pass over the list",
        example: "distinct(map(m.items, x => x.category))",
    },
    BuiltinDoc {
        name: "filter",
        signature: "filter(list, x => cond)",
        doc: "the elements that satisfy cond",
        cost: "one pass over the list",
        example: "filter(m.items, x => x.outcome == \"通过\")",
    },
    BuiltinDoc {
        name: "map",
        signature: "map(list, x => value)",
        doc: "the value for each element",
        cost: "one pass over the list",
        example: "map(m.absent, x => x.name)",
    },
    BuiltinDoc {
        name: "flatten",
        signature: "flatten(list of lists)",
        doc: "one list",
        cost: "one pass over every inner list",
        example: "flatten(map(records(meeting), x => x.items))",
    },
    BuiltinDoc {
        name: "sort",
        signature: "sort(list, x => key, …)",
        doc: "the list ordered by the keys",
        cost: "n log n comparisons; equal keys keep their order",
        example: "sort(records(disbursement), x => x.amount, x => x.id)",
    },
    BuiltinDoc {
        name: "take",
        signature: "take(list, n)",
        doc: "the first n elements",
        cost: "at most n elements copied",
        example: "take(sort(m.items, x => x.no), 3)",
    },
    BuiltinDoc {
        name: "skip",
        signature: "skip(list, n)",
        doc: "the elements after the first n",
        cost: "one pass over the list",
        example: "skip(d.steps, 1)",
    },
    BuiltinDoc {
        name: "min",
        signature: "min(list) or min(list, x => value)",
        doc: "the smallest value, or none",
        cost: "one pass over the list",
        example: "min(d.steps, x => x.date)",
    },
    BuiltinDoc {
        name: "max",
        signature: "max(list) or max(list, x => value)",
        doc: "the largest value, or none",
        cost: "one pass over the list",
        example: "max(m.items, x => x.amount)",
    },
    BuiltinDoc {
        name: "group",
        signature: "group(list, x => key, …)",
        doc: "the elements grouped by key, computed once per run",
        cost: "one pass over the list; when the list does not depend on the rule's bindings (e.g. `records(KIND)`), computed once per run and shared by every record",
        example: "group(records(disbursement), x => x.org, x => x.payee)",
    },
    BuiltinDoc {
        name: "get",
        signature: "get(groups, key, …)",
        doc: "the elements with that key (empty when none)",
        cost: "one lookup",
        example: "get(group(records(disbursement), x => x.org), o.id)",
    },
    BuiltinDoc {
        name: "records",
        signature: "records(KIND) or records()",
        doc: "every checked record of a kind, ordered by id; with no argument, every checked record, kind by kind",
        cost: "a list of the checked records, ready at no cost",
        example: "records(meeting)",
    },
    BuiltinDoc {
        name: "lookup",
        signature: "lookup(x.ref)",
        doc: "the record or element a reference names, or none",
        cost: "one lookup",
        example: "lookup(s.meeting)",
    },
    BuiltinDoc {
        name: "rejected",
        signature: "rejected(x.ref)",
        doc: "whether the reference names a record that exists but has input errors",
        cost: "one lookup",
        example: "rejected(s.meeting)",
    },
    BuiltinDoc {
        name: "record",
        signature: "record(x)",
        doc: "the record an element belongs to",
        cost: "constant",
        example: "record(i).id",
    },
    BuiltinDoc {
        name: "exists",
        signature: "exists(x)",
        doc: "whether x is not none",
        cost: "constant",
        example: "exists(i.materials_sent)",
    },
    BuiltinDoc {
        name: "starts_with",
        signature: "starts_with(text, prefix)",
        doc: "whether the text begins with prefix (false when either is none)",
        cost: "the length of the texts",
        example: "starts_with(d.payee, \"县\")",
    },
    BuiltinDoc {
        name: "ends_with",
        signature: "ends_with(text, suffix)",
        doc: "whether the text ends with suffix (false when either is none)",
        cost: "the length of the texts",
        example: "ends_with(o.name, \"局\")",
    },
    BuiltinDoc {
        name: "contains",
        signature: "contains(text, part)",
        doc: "whether part occurs in the text (false when either is none)",
        cost: "the length of the texts",
        example: "contains(m.body, \"党组\")",
    },
    BuiltinDoc {
        name: "text",
        signature: "text(x)",
        doc: "x as it reads in a message",
        cost: "the length of the text",
        example: "text(d.amount) + \" 元\"",
    },
    BuiltinDoc {
        name: "join",
        signature: "join(list, separator)",
        doc: "the elements as text",
        cost: "the length of the text",
        example: "join(m.attendees, \"、\")",
    },
    BuiltinDoc {
        name: "days",
        signature: "days(d)",
        doc: "a number of days as a plain number",
        cost: "constant",
        example: "days(today - m.date) > 30",
    },
    BuiltinDoc {
        name: "ceil",
        signature: "ceil(x)",
        doc: "the smallest whole number not below x, e.g. ceil(2/3 * 5) is 4",
        cost: "constant",
        example: "ceil(count(m.members) * 2 / 3)",
    },
    BuiltinDoc {
        name: "findings",
        signature: "findings(\"RULE-*\", x)",
        doc: "findings of matching rules on x or anything inside it",
        cost: "one pass over the findings of the matching rules, which run before this rule",
        example: "count(findings(\"SZYD-*\", m)) > 0",
    },
    BuiltinDoc {
        name: "findings_on",
        signature: "findings_on(\"RULE-*\", x)",
        doc: "findings of matching rules on x itself",
        cost: "one pass over the findings of the matching rules, which run before this rule",
        example: "findings_on(\"SZYD-002\", m)",
    },
    BuiltinDoc {
        name: "missing",
        signature: "missing(CHAIN, steps)",
        doc: "names of required steps that are absent",
        cost: "one pass over the steps",
        example: "missing(大额资金拨付链, d.steps)",
    },
    BuiltinDoc {
        name: "early",
        signature: "early(CHAIN, steps)",
        doc: "steps dated before a step the chain puts ahead of them (`.step`, `.after`)",
        cost: "one pass over the steps per ordered pair of steps",
        example: "early(大额资金拨付链, d.steps)",
    },
    BuiltinDoc {
        name: "shared_actors",
        signature: "shared_actors(CHAIN, steps)",
        doc: "one person in two steps that must be distinct (`.person`, `.first`, `.second`)",
        cost: "one pass over the steps per pair of distinct steps",
        example: "shared_actors(行政审批流程, a.steps)",
    },
    BuiltinDoc {
        name: "windows",
        signature: "windows(list, x => date, span) or windows(list, x => date, span, element)",
        doc: "the sets of elements whose dates lie within span of each other (with `element`, only the sets holding it; computed once per list)",
        cost: "n log n to sort by date, then the total size of the windows",
        example: "windows(records(disbursement), x => first(x.steps, y => y.step == \"划拨\").date, 30天)",
    },
    BuiltinDoc {
        name: "refs",
        signature: "refs(record)",
        doc: "the references a record makes (`.field`, `.target`, `.value`, `.resolved`, `.node`)",
        cost: "one pass over the record's fields",
        example: "refs(m)",
    },
    BuiltinDoc {
        name: "today",
        signature: "today",
        doc: "the run date (a date), set by `--today YYYY-MM-DD` or `today = …` in sunlight.toml; the current date otherwise",
        cost: "constant",
        example: "today - m.date > 30天",
    },
    BuiltinDoc {
        name: "year",
        signature: "year(date)",
        doc: "the year, e.g. year(2014-09-30) is 2014",
        cost: "constant",
        example: "year(m.date) == 2014",
    },
    BuiltinDoc {
        name: "month",
        signature: "month(date)",
        doc: "the month, 1 to 12",
        cost: "constant",
        example: "month(m.date) == 12",
    },
    BuiltinDoc {
        name: "quarter",
        signature: "quarter(date)",
        doc: "the quarter, 1 to 4",
        cost: "constant",
        example: "quarter(m.date) == 4",
    },
    BuiltinDoc {
        name: "round",
        signature: "round(x) or round(x, n)",
        doc: "x rounded to n decimal places (default 0), halves away from zero",
        cost: "constant",
        example: "round(d.amount / 1万, 2)",
    },
    BuiltinDoc {
        name: "percent",
        signature: "percent(x) or percent(x, n)",
        doc: "the share x as text with n decimals (default 1), e.g. percent(1/2) is \"50.0%\"",
        cost: "constant",
        example: "percent(count(m.attendees) / count(m.members))",
    },
    BuiltinDoc {
        name: "calendar",
        signature: "calendar(years, holidays, working_days)",
        doc: "a working-day calendar covering the listed years; days off are Saturdays, Sundays and `holidays`, except the weekend days in `working_days`",
        cost: "once per run when its arguments are parameters (the usual case): one day-by-day table of the listed years",
        example: "calendar(日历年份, 法定节假日, 调休上班日)",
    },
    BuiltinDoc {
        name: "workdays",
        signature: "workdays(from, to, calendar)",
        doc: "how many working days lie between two dates, both included (0 when `to` is before `from`); a year the calendar does not cover is an input error on the record the date comes from",
        cost: "one table lookup per date",
        example: "workdays(m.date, today, 工作日历())",
    },
    BuiltinDoc {
        name: "add_workdays",
        signature: "add_workdays(date, n, calendar)",
        doc: "the n-th working day after date (before it when n is negative; date itself when n is 0); a year the calendar does not cover is an input error on the record the date comes from",
        cost: "one table lookup per date",
        example: "add_workdays(m.date, 20, 工作日历())",
    },
];
