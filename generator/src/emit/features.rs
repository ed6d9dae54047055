//! Cargo features per group of operations ([`crate::ir::Operation::group`]): which feature
//! compiles each operation's module, job kind, webhook receiver and type, and which other
//! features each one turns on, so that any one feature alone compiles.
//!
//! Operations, jobs and webhooks are gated from the IR. Types are gated item by item on the
//! type engine's output: each item belongs to a type (the one it defines or implements, else
//! the first it names), a type needs every type its items name, and a type compiles with the
//! features whose operations reach it through those needs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::ir::{Api, Operation, TypeRef, TypeUse, WebhookSource};
use crate::names::OTHER_TYPES_FEATURE;

/// Whether a generated crate gets a Cargo feature per group of operations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupFeatures {
    /// A feature per group, all of them on by default.
    #[default]
    On,
    /// A feature per group, none on by default: a user turns on the groups they call.
    Off,
    /// No group features: everything always compiles.
    None,
}

/// Which feature compiles what, for the emitters.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    /// The features, sorted; empty when items are not gated.
    features: Vec<String>,
    /// Whether the features are on by default.
    pub default_on: bool,
}

impl Gates {
    /// The gates of `api`'s crate under `mode`.
    pub fn new(api: &Api, mode: GroupFeatures) -> Self {
        let features: BTreeSet<&str> = api
            .operations
            .iter()
            .map(|op| op.names.feature.as_str())
            .collect();
        // One group gets its feature too: a second group later is then a feature added, not
        // every operation gated at once.
        if mode == GroupFeatures::None || features.is_empty() {
            return Self::default();
        }
        Self {
            features: features.into_iter().map(str::to_string).collect(),
            default_on: mode == GroupFeatures::On,
        }
    }

    /// Whether any item is gated.
    pub fn is_on(&self) -> bool {
        !self.features.is_empty()
    }

    /// `#[cfg(..)]` for `op`'s items, if they are gated.
    pub fn op(&self, op: &Operation) -> Option<String> {
        self.any([op.names.feature.as_str()])
    }

    /// `#[cfg(..)]` that compiles an item when any of `features` is on, if items are gated.
    pub fn any<'a>(&self, features: impl IntoIterator<Item = &'a str>) -> Option<String> {
        if !self.is_on() {
            return None;
        }
        let features: BTreeSet<&str> = features.into_iter().collect();
        Some(format!("#[cfg({})]", cfg_predicate(&features)))
    }

    /// [`Gates::op`] as tokens (none when not gated).
    pub fn op_attr(&self, op: &Operation) -> TokenStream {
        attr_tokens(self.op(op))
    }

    /// [`Gates::any`] as tokens (none when not gated).
    pub fn any_attr<'a>(&self, features: impl IntoIterator<Item = &'a str>) -> TokenStream {
        attr_tokens(self.any(features))
    }

    /// Each feature, with the features it turns on: those of the operations its jobs are polled
    /// with. Empty when items are not gated.
    pub fn cargo_features(&self, api: &Api) -> Vec<(String, Vec<String>)> {
        let mut needs: BTreeMap<&str, BTreeSet<&str>> = self
            .features
            .iter()
            .map(|f| (f.as_str(), BTreeSet::new()))
            .collect();
        for op in &api.operations {
            let Some(job) = &op.job else { continue };
            if let Some(status) = api.operations.iter().find(|o| o.id == job.status_operation)
                && status.names.feature != op.names.feature
                && let Some(set) = needs.get_mut(op.names.feature.as_str())
            {
                set.insert(status.names.feature.as_str());
            }
        }
        needs
            .into_iter()
            .map(|(f, set)| (f.to_string(), set.into_iter().map(str::to_string).collect()))
            .collect()
    }

    /// The types each feature's operations and webhooks use, and those always compiled (the
    /// payloads of 3.1 webhooks); `None` when items are not gated.
    pub fn type_roots(&self, api: &Api) -> Option<TypeRoots> {
        if !self.is_on() {
            return None;
        }
        let index: HashMap<&str, usize> = self
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.as_str(), i))
            .collect();
        let mut roots = Vec::new();
        let mut push = |feature: Option<usize>, used: TypeUse<'_>| {
            roots.push((
                feature,
                match used {
                    TypeUse::Named(name) => TypeRef::Named(name.to_string()),
                    TypeUse::Inline(i) => TypeRef::Inline(i),
                },
            ))
        };
        for op in &api.operations {
            let feature = index.get(op.names.feature.as_str()).copied();
            op.for_each_type(&mut |used| push(feature, used));
        }
        for webhook in &api.webhooks {
            match &webhook.source {
                WebhookSource::Callback { operations, .. } => {
                    for op in api.operations.iter().filter(|o| operations.contains(&o.id)) {
                        let feature = index.get(op.names.feature.as_str()).copied();
                        webhook.body.uses(&mut |used| push(feature, used));
                    }
                }
                WebhookSource::Webhook => webhook.body.uses(&mut |used| push(None, used)),
            }
        }
        Some(TypeRoots {
            features: self.features.clone(),
            roots,
        })
    }
}

/// The `[features]` a crate declares for its groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoFeatures {
    /// Each group's feature, with the features it turns on.
    pub groups: Vec<(String, Vec<String>)>,
    /// Whether the crate has types only [`OTHER_TYPES_FEATURE`] compiles.
    pub other_types: bool,
    /// Whether they are all in `default`.
    pub default_on: bool,
}

fn attr_tokens(attr: Option<String>) -> TokenStream {
    attr.and_then(|a| a.parse().ok()).unwrap_or_default()
}

/// `feature = "a"`, or `any(feature = "a", feature = "b")`.
fn cfg_predicate(features: &BTreeSet<&str>) -> String {
    let list: Vec<String> = features
        .iter()
        .map(|f| format!("feature = \"{f}\""))
        .collect();
    match &list[..] {
        [one] => one.clone(),
        _ => format!("any({})", list.join(", ")),
    }
}

/// What the type stage needs to gate the types: the features, and the types each one uses
/// directly (`None`: always compiled).
#[derive(Debug, Clone)]
pub(crate) struct TypeRoots {
    features: Vec<String>,
    roots: Vec<(Option<usize>, TypeRef)>,
}

/// The gates of the type engine's items.
#[derive(Debug, Default)]
pub(crate) struct TypePlan {
    /// Per item, in the order the formatter visits them: an index into `attrs`, if gated.
    items: Vec<Option<usize>>,
    /// The distinct `#[cfg(..)]` attributes.
    attrs: Vec<syn::Attribute>,
    /// Per gated type, its `#[cfg(..)]` line (for items written beside the types).
    pub by_type: HashMap<String, String>,
    /// Whether some type is compiled by no group's feature but [`OTHER_TYPES_FEATURE`].
    pub other_types: bool,
}

impl TypePlan {
    /// Gates the `k`th item the formatter visits (at `path`, inside `types`); typify's
    /// `defaults` module may lose its callers to a gate, so it allows dead code.
    pub fn gate(&self, k: usize, path: &[String], item: &mut syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            if let Some(Some(i)) = self.items.get(k)
                && let Some(attr) = self.attrs.get(*i)
            {
                // After the docs, before the derives.
                let at = attrs
                    .iter()
                    .take_while(|a| a.path().is_ident("doc"))
                    .count();
                attrs.insert(at, attr.clone());
            }
            if path.is_empty()
                && let syn::Item::Mod(m) = &*item
                && m.ident == "defaults"
                && let Some(attrs) = item_attrs(item)
            {
                attrs.push(syn::parse_quote!(#[allow(dead_code)]));
            }
        }
    }

    /// How many items the plan covers.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Mod(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Union(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        syn::Item::Macro(i) => &mut i.attrs,
        _ => return None,
    })
}

/// One item of the type engine's output, as the plan reads it.
struct ItemFacts {
    /// A module (never gated).
    module: bool,
    /// The type it defines (a `struct`, `enum` or `type` at the top of `types`).
    defines: Option<String>,
    /// The type an `impl` is for (its last path segment).
    implements: Option<String>,
    /// The capitalised words it holds, in order: the types it may name (in code, or in a
    /// string such as `#[serde(default = "...")]`).
    words: Vec<String>,
}

/// Gates each item of `stream` (the type engine's output) by the features whose operations
/// need its type. `inline_types` are the Rust types of the IR's inline schemas.
pub(crate) fn plan_types(
    stream: &TokenStream,
    inline_types: &[String],
    roots: &TypeRoots,
) -> TypePlan {
    let mut facts = Vec::new();
    super::stream::walk_items(stream.clone(), &mut |path, chunk| {
        facts.push(item_facts(path, chunk));
    });
    let mut index: HashMap<String, usize> = HashMap::new();
    for defines in facts.iter().filter_map(|f| f.defines.as_ref()) {
        let next = index.len();
        index.entry(defines.clone()).or_insert(next);
    }
    // Each item's type, and what each type needs.
    let mut needs: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); index.len()];
    let owners: Vec<Option<usize>> = facts
        .iter()
        .map(|f| {
            if f.module {
                return None;
            }
            let named: Vec<usize> = f
                .words
                .iter()
                .filter_map(|w| index.get(w).copied())
                .collect();
            let owner = f
                .defines
                .as_ref()
                .or(f.implements.as_ref())
                .and_then(|name| index.get(name).copied())
                .or_else(|| named.first().copied())?;
            needs[owner].extend(named.into_iter().filter(|n| *n != owner));
            Some(owner)
        })
        .collect();

    // The features that reach each type: the groups', then `other` for the types no group
    // reaches (and what they need), then `always` for a root no feature gates.
    let groups = roots.features.len();
    let (other, always) = (groups, groups + 1);
    let mut reached: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); index.len()];
    let mut starts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (feature, ty) in &roots.roots {
        let mut names: Vec<&str> = Vec::new();
        match ty {
            TypeRef::Named(name) => names.push(name),
            TypeRef::Inline(i) => {
                if let Some(text) = inline_types.get(*i) {
                    names.extend(text.split(|c: char| !c.is_alphanumeric() && c != '_'));
                }
            }
            TypeRef::Json | TypeRef::String => {}
        }
        let list = starts.entry(feature.unwrap_or(always)).or_default();
        list.extend(names.iter().filter_map(|n| index.get(*n).copied()));
    }
    let reach = |feature: usize, start: Vec<usize>, reached: &mut Vec<BTreeSet<usize>>| {
        let mut pending = start;
        while let Some(ty) = pending.pop() {
            if reached[ty].insert(feature) {
                pending.extend(needs[ty].iter().copied());
            }
        }
    };
    for (feature, start) in starts {
        reach(feature, start, &mut reached);
    }
    let unreached: Vec<usize> = (0..index.len())
        .filter(|t| reached[*t].is_empty())
        .collect();
    reach(other, unreached, &mut reached);

    // One attribute per distinct set of features.
    let mut plan = TypePlan::default();
    let mut distinct: HashMap<Vec<usize>, Option<usize>> = HashMap::new();
    let mut lines: Vec<String> = Vec::new();
    let mut gate_of = vec![None; index.len()];
    for (ty, set) in reached.iter().enumerate() {
        let by_groups = set.range(..groups).count();
        if set.contains(&always) || compiled_with_most(by_groups, groups) {
            continue;
        }
        let key: Vec<usize> = set.iter().copied().collect();
        let at = distinct.entry(key).or_insert_with(|| {
            let features: BTreeSet<&str> = set
                .iter()
                .map(|f| match roots.features.get(*f) {
                    Some(group) => group.as_str(),
                    None => OTHER_TYPES_FEATURE,
                })
                .collect();
            plan.other_types |= set.contains(&other);
            let predicate = cfg_predicate(&features);
            let tokens: TokenStream = predicate.parse().ok()?;
            plan.attrs.push(syn::parse_quote!(#[cfg(#tokens)]));
            lines.push(format!("#[cfg({predicate})]"));
            Some(plan.attrs.len() - 1)
        });
        gate_of[ty] = *at;
    }
    for (name, ty) in &index {
        if let Some(line) = gate_of[*ty].and_then(|i| lines.get(i)) {
            plan.by_type.insert(name.clone(), line.clone());
        }
    }
    plan.items = owners
        .into_iter()
        .map(|owner| owner.and_then(|ty| gate_of[ty]))
        .collect();
    plan
}

/// Groups from which on a type that most groups reach is not gated.
const UNGATED_FROM_GROUPS: usize = 16;

/// Whether a type that `by_groups` of the crate's `groups` reach is compiled with any group:
/// when every group reaches it, or more than half of them and at least
/// [`UNGATED_FROM_GROUPS`]. Each of a type's items (its struct, builder and impls) would carry
/// the list of those features: for autotask.net's shared types that is 200 to 364 features
/// on each item, 1.7 MB in all, where compiling such a type with a group that does not need it
/// costs a build of that group little. What such a type needs is reached by at least the same
/// groups, so it is not gated either.
fn compiled_with_most(by_groups: usize, groups: usize) -> bool {
    by_groups == groups || (by_groups >= UNGATED_FROM_GROUPS && by_groups * 2 > groups)
}

/// What `chunk` (one item at `path` inside `types`) defines, implements and names.
fn item_facts(path: &[String], chunk: &[TokenTree]) -> ItemFacts {
    let mut facts = ItemFacts {
        module: false,
        defines: None,
        implements: None,
        words: Vec::new(),
    };
    let mut buf = String::new();
    collect_words(chunk.iter(), &mut facts.words, &mut buf);
    // Past the attributes and the visibility, to the keyword.
    let mut rest = chunk;
    loop {
        match rest {
            [TokenTree::Punct(p), TokenTree::Group(_), tail @ ..] if p.as_char() == '#' => {
                rest = tail
            }
            [TokenTree::Ident(v), TokenTree::Group(g), tail @ ..]
                if v == "pub" && g.delimiter() == Delimiter::Parenthesis =>
            {
                rest = tail
            }
            [TokenTree::Ident(v), tail @ ..] if v == "pub" => rest = tail,
            _ => break,
        }
    }
    let Some((TokenTree::Ident(keyword), tail)) = rest.split_first() else {
        return facts;
    };
    let keyword = keyword.to_string();
    match keyword.as_str() {
        "mod" => facts.module = true,
        "struct" | "enum" | "type" | "union" => {
            if path.is_empty() {
                facts.defines = tail.first().map(|t| t.to_string());
            } else {
                // A builder of the type of the same name.
                facts.implements = tail.first().map(|t| t.to_string());
            }
        }
        "impl" => facts.implements = impl_self_type(tail),
        _ => {}
    }
    facts
}

/// The last path segment of the self type of an `impl` (its tokens after `impl`).
fn impl_self_type(tail: &[TokenTree]) -> Option<String> {
    // The self type starts after a `for` outside angle brackets, else after the generics.
    let mut depth = 0i32;
    let mut start = 0;
    let mut generics_end = None;
    for (i, tree) in tail.iter().enumerate() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => {
                depth -= 1;
                if depth == 0 && i > 0 && generics_end.is_none() && start == 0 {
                    generics_end = Some(i + 1);
                }
            }
            TokenTree::Ident(word) if depth == 0 && word == "for" => start = i + 1,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                let from = if start > 0 {
                    start
                } else if matches!(tail.first(), Some(TokenTree::Punct(p)) if p.as_char() == '<') {
                    generics_end.unwrap_or(0)
                } else {
                    0
                };
                return last_segment(&tail[from..i]);
            }
            _ => {}
        }
    }
    None
}

/// The last identifier of a path before its generic arguments (`super::Pet` -> `Pet`).
fn last_segment(ty: &[TokenTree]) -> Option<String> {
    let mut last = None;
    for tree in ty {
        match tree {
            TokenTree::Ident(word) if word != "where" => last = Some(word.to_string()),
            TokenTree::Punct(p) if p.as_char() == ':' => {}
            _ => break,
        }
    }
    last
}

/// Appends the capitalised identifiers in `trees` (and in their string literals) to `out`.
fn collect_words<'a>(
    trees: impl Iterator<Item = &'a TokenTree>,
    out: &mut Vec<String>,
    buf: &mut String,
) {
    for tree in trees {
        match tree {
            TokenTree::Group(g) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                collect_words(inner.iter(), out, buf);
            }
            TokenTree::Ident(word) => {
                buf.clear();
                let _ = write!(buf, "{word}");
                if buf.starts_with(|c: char| c.is_ascii_uppercase()) {
                    out.push(buf.clone());
                }
            }
            TokenTree::Literal(lit) => {
                buf.clear();
                let _ = write!(buf, "{lit}");
                if buf.starts_with('"') {
                    out.extend(
                        buf.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
                            .map(str::to_string),
                    );
                }
            }
            TokenTree::Punct(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> (Option<String>, Option<String>) {
        let chunk: Vec<TokenTree> = text.parse::<TokenStream>().unwrap().into_iter().collect();
        let f = item_facts(&[], &chunk);
        (f.defines, f.implements)
    }

    #[test]
    fn each_item_belongs_to_the_type_it_defines_or_implements() {
        let table = [
            (
                "#[derive(Debug)] pub struct Pet { a: Owner }",
                Some("Pet"),
                None,
            ),
            ("pub enum Status { A }", Some("Status"), None),
            ("pub type Id = String;", Some("Id"), None),
            ("impl Pet { fn builder() {} }", None, Some("Pet")),
            (
                "impl ::std::convert::From<&Pet> for Pet { }",
                None,
                Some("Pet"),
            ),
            (
                "impl<'a> From<&'a Pet> for super::Pet { }",
                None,
                Some("Pet"),
            ),
            (
                "impl ::std::convert::From<Vec<Job>> for JobList { }",
                None,
                Some("JobList"),
            ),
            (
                "impl From<JobList> for ::std::vec::Vec<Job> { }",
                None,
                Some("Vec"),
            ),
            (
                "impl<T> Default for Wrapper<T> where T: Clone { }",
                None,
                Some("Wrapper"),
            ),
            (
                "pub(super) fn pet_status() -> super::Status { }",
                None,
                None,
            ),
        ];
        for (text, defines, implements) in table {
            assert_eq!(
                facts(text),
                (defines.map(String::from), implements.map(String::from)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_type_compiles_with_the_features_that_reach_it() {
        let types: TokenStream = r#"
            pub struct Pet { owner: Owner, tag: PetTag }
            impl From<&Pet> for Pet { }
            pub struct Owner { name: String }
            pub enum PetTag { A }
            pub struct Store { pets: Vec<Pet> }
            pub struct Shared { }
            pub struct Unused { owner: Owner }
            pub struct Hook { }
            impl From<Store> for ::serde_json::Value { }
            pub mod defaults {
                pub(super) fn store_kind() -> super::Store { }
                pub(super) fn default_u64<T>() -> T { }
            }
            pub mod builder {
                pub struct Pet { owner: Result<super::Owner, String> }
                impl ::std::convert::TryFrom<Pet> for super::Pet { }
            }
        "#
        .parse()
        .unwrap();
        let roots = TypeRoots {
            features: vec!["pets".into(), "store".into(), "users".into()],
            roots: vec![
                (Some(0), TypeRef::Named("Pet".into())),
                (Some(0), TypeRef::Named("Shared".into())),
                (Some(1), TypeRef::Inline(0)),
                (Some(1), TypeRef::Named("Shared".into())),
                (Some(2), TypeRef::Named("Shared".into())),
                (None, TypeRef::Named("Hook".into())),
            ],
        };
        let plan = plan_types(&types, &["Vec<types::Store>".into()], &roots);
        let gate = |name: &str| plan.by_type.get(name).map(String::as_str);
        assert_eq!(
            gate("Pet"),
            Some(r#"#[cfg(any(feature = "pets", feature = "store"))]"#)
        );
        // An unused type's needs compile with it.
        assert_eq!(
            gate("Owner"),
            Some(r#"#[cfg(any(feature = "other-types", feature = "pets", feature = "store"))]"#)
        );
        assert_eq!(gate("PetTag"), gate("Pet"));
        assert_eq!(gate("Store"), Some(r#"#[cfg(feature = "store")]"#));
        // Needed by every feature, or by a 3.1 webhook: always compiled.
        assert_eq!(gate("Shared"), None);
        assert_eq!(gate("Hook"), None);
        assert_eq!(gate("Unused"), Some(r#"#[cfg(feature = "other-types")]"#));
        assert!(plan.other_types);
        // Items: Pet, its impl, Owner, PetTag, Store, Shared, Unused, Hook, the impl for
        // Value, `defaults` and its two functions, `builder` and its two items.
        let gated: Vec<bool> = plan.items.iter().map(Option::is_some).collect();
        assert_eq!(
            gated,
            [
                true, true, true, true, true, false, true, false, true, false, true, false, false,
                true, true
            ]
        );
    }

    #[test]
    fn a_type_most_of_many_groups_reach_is_not_gated() {
        let types: TokenStream = r#"
            pub struct Common { page: Page }
            pub struct Page { }
            pub struct Half { }
            pub struct Few { }
        "#
        .parse()
        .unwrap();
        // 40 groups: `Common` (and the `Page` it needs) reached by 21, `Half` by 20, `Few` by 3.
        let features: Vec<String> = (0..40).map(|i| format!("g{i:02}")).collect();
        let mut roots = Vec::new();
        for i in 0..40 {
            if i < 21 {
                roots.push((Some(i), TypeRef::Named("Common".into())));
            }
            if i >= 20 {
                roots.push((Some(i), TypeRef::Named("Half".into())));
            }
            if i < 3 {
                roots.push((Some(i), TypeRef::Named("Few".into())));
            }
        }
        let plan = plan_types(&types, &[], &TypeRoots { features, roots });
        let gate = |name: &str| plan.by_type.get(name).map(String::as_str);
        assert_eq!(gate("Common"), None);
        assert_eq!(gate("Page"), None);
        let half = gate("Half").unwrap();
        assert!(half.contains(r#"feature = "g20""#) && half.contains(r#"feature = "g39""#));
        assert!(!half.contains(r#"feature = "g19""#), "{half}");
        assert_eq!(
            gate("Few"),
            Some(r#"#[cfg(any(feature = "g00", feature = "g01", feature = "g02"))]"#)
        );
        // With few groups, a type two of three reach stays gated (the first test's `Pet`).
        assert!(!compiled_with_most(2, 3));
        assert!(compiled_with_most(3, 3));
        assert!(compiled_with_most(16, 31) && !compiled_with_most(15, 29));
    }
}
