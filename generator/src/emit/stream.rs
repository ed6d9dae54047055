//! Token streams to formatted text, one item at a time: the type engine's output, and the few
//! items the emitters build as tokens.
//!
//! Parsing a whole large output into one syntax tree holds the tokens, syn's flattened copy of
//! them and the tree at once: for Microsoft Graph beta (7 million lines) that was 40 s and
//! 7 GiB on its own. Here the stream is cut into items at their
//! closing `;` or `}`, modules with a body are entered instead of parsed whole, and each item is
//! parsed, handed to a visitor (which may rewrite or drop it), formatted by prettyplease at its
//! nesting depth and dropped. The text is the same prettyplease prints for the whole tree: an
//! item's layout depends only on the item and its indentation.

use std::collections::BTreeMap;
use std::iter::Peekable;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree, token_stream};

/// Decides, for each item (with the names of the modules around it, outermost first), whether
/// it is kept; it may rewrite the item.
pub(crate) type Visit<'a> = dyn FnMut(&[String], &mut syn::Item) -> Result<bool, String> + 'a;

/// Formatted items, and where each module entered on the way ends.
#[derive(Debug, Default)]
pub struct Formatted {
    /// The items' text, indented for `depth` enclosing modules.
    pub text: String,
    /// Per module path (`builder`, `types::builder`): the offset in `text` of its closing
    /// brace's line, where items appended to the module go.
    pub module_ends: BTreeMap<String, usize>,
}

/// Formats the items of `stream` as if nested `depth` modules deep, consuming the stream (each
/// item's tokens are freed once it is formatted).
pub(crate) fn format_items(
    stream: TokenStream,
    depth: usize,
    visit: &mut Visit<'_>,
) -> Result<Formatted, String> {
    let mut writer = Writer {
        base: depth,
        path: Vec::new(),
        out: Formatted::default(),
        visit,
    };
    writer.items(stream)?;
    Ok(writer.out)
}

/// Calls `f` with each item of `stream` in the order [`format_items`] visits them (a module
/// before its items), with the names of the modules around it and its tokens (a module's
/// without its items), cut into items exactly as [`format_items`] cuts them.
pub(crate) fn walk_items(stream: TokenStream, f: &mut dyn FnMut(&[String], &[TokenTree])) {
    fn walk(
        stream: TokenStream,
        path: &mut Vec<String>,
        f: &mut dyn FnMut(&[String], &[TokenTree]),
    ) {
        let mut trees = stream.into_iter().peekable();
        while let Some(mut chunk) = next_item(&mut trees) {
            match module_body(&mut chunk) {
                Some(body) => {
                    f(path, &chunk);
                    let name = match &chunk[..] {
                        [.., TokenTree::Ident(name), _] => name.to_string(),
                        _ => String::new(),
                    };
                    path.push(name);
                    walk(body, path, f);
                    path.pop();
                }
                None => f(path, &chunk),
            }
        }
    }
    walk(stream, &mut Vec::new(), f);
}

/// Formats one item as if nested `depth` modules deep.
pub(crate) fn format_item(item: syn::Item, depth: usize) -> String {
    format_nested(vec![item], depth)
}

/// Formats the items in `tokens` (a few once-per-crate items) as if nested `depth` modules
/// deep, or says why they do not parse.
pub(crate) fn format_tokens(tokens: TokenStream, depth: usize) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("the generated items do not parse: {e}"))?;
    Ok(format_nested(file.items, depth))
}

/// Formats `items` inside `depth` wrapper modules, then cuts the wrappers' lines off.
fn format_nested(items: Vec<syn::Item>, depth: usize) -> String {
    let mut items = items;
    for _ in 0..depth {
        items = vec![syn::Item::Mod(syn::ItemMod {
            attrs: Vec::new(),
            vis: syn::Visibility::Inherited,
            unsafety: None,
            mod_token: Default::default(),
            ident: syn::Ident::new("m", proc_macro2::Span::call_site()),
            content: Some((Default::default(), items)),
            semi: None,
        })];
    }
    let text = prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    });
    // `depth` wrapper lines (`mod m {`) open the text and `depth` (`}`) close it.
    let start = nth_line_start(&text, depth);
    let end = (0..depth).fold(text.len(), |end, _| {
        text[..end.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1)
    });
    text[start..end.max(start)].to_string()
}

fn nth_line_start(text: &str, n: usize) -> usize {
    let mut start = 0;
    for _ in 0..n {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    start
}

struct Writer<'v, 'a> {
    base: usize,
    path: Vec<String>,
    out: Formatted,
    visit: &'v mut Visit<'a>,
}

/// The line standing in for a module's items while its braces are formatted.
const PLACEHOLDER: &str = "struct ClientgenModuleItems;";

impl Writer<'_, '_> {
    fn items(&mut self, stream: TokenStream) -> Result<(), String> {
        let mut trees = stream.into_iter().peekable();
        while let Some(mut chunk) = next_item(&mut trees) {
            match module_body(&mut chunk) {
                Some(body) => self.module(chunk, body)?,
                None => self.item(chunk)?,
            }
        }
        Ok(())
    }

    fn depth(&self) -> usize {
        self.base + self.path.len()
    }

    fn parse(&self, chunk: Vec<TokenTree>) -> Result<syn::Item, String> {
        syn::parse2::<syn::Item>(chunk.into_iter().collect()).map_err(|e| {
            let place = if self.path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in module `{}`", self.path.join("::"))
            };
            format!("an item of progenitor's output {place} does not parse: {e}")
        })
    }

    fn item(&mut self, chunk: Vec<TokenTree>) -> Result<(), String> {
        let mut item = self.parse(chunk)?;
        if (self.visit)(&self.path, &mut item)? {
            let text = format_item(item, self.depth());
            self.out.text.push_str(&text);
        }
        Ok(())
    }

    /// A module with items: its braces around its items, each formatted on its own.
    fn module(&mut self, mut chunk: Vec<TokenTree>, body: TokenStream) -> Result<(), String> {
        let placeholder: TokenStream = PLACEHOLDER
            .parse()
            .map_err(|e| format!("internal: placeholder: {e}"))?;
        if let Some(last) = chunk.last_mut() {
            *last = TokenTree::Group(Group::new(Delimiter::Brace, placeholder));
        }
        let mut item = self.parse(chunk)?;
        if !(self.visit)(&self.path, &mut item)? {
            return Ok(());
        }
        let syn::Item::Mod(module) = &item else {
            return Err("internal: a module chunk parsed as another item".into());
        };
        let name = module.ident.to_string();
        let braces = format_item(item, self.depth());
        let at = braces
            .find(PLACEHOLDER)
            .ok_or("internal: the placeholder is missing from a formatted module")?;
        let line_start = braces[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = braces[at..].find('\n').map_or(braces.len(), |i| at + i + 1);
        self.out.text.push_str(&braces[..line_start]);
        self.path.push(name);
        self.items(body)?;
        self.out
            .module_ends
            .insert(self.path.join("::"), self.out.text.len());
        self.path.pop();
        self.out.text.push_str(&braces[line_end..]);
        Ok(())
    }
}

/// If `chunk` is `… mod name { items }` with at least one item, takes the items out of it.
fn module_body(chunk: &mut [TokenTree]) -> Option<TokenStream> {
    let [
        ..,
        TokenTree::Ident(keyword),
        TokenTree::Ident(_),
        TokenTree::Group(body),
    ] = chunk
    else {
        return None;
    };
    if keyword != "mod" || body.delimiter() != Delimiter::Brace || body.stream().is_empty() {
        return None;
    }
    let stream = body.stream();
    // Leave an empty group behind, so that the taken stream is the only owner of the tokens.
    if let Some(last) = chunk.last_mut() {
        *last = TokenTree::Group(Group::new(Delimiter::Brace, TokenStream::new()));
    }
    Some(stream)
}

/// The token trees of the next item: through its `;`, or through the first brace group (plus
/// a `;` right after it) for items that end with a block. `const`, `static`, `use` and `type`
/// items end only at their `;` (their initializers may hold braces).
fn next_item(trees: &mut Peekable<token_stream::IntoIter>) -> Option<Vec<TokenTree>> {
    let mut chunk = Vec::new();
    let mut ends_at_semicolon = None;
    while let Some(tree) = trees.next() {
        if ends_at_semicolon.is_none()
            && let TokenTree::Ident(word) = &tree
        {
            let word = word.to_string();
            ends_at_semicolon = match word.as_str() {
                "pub" | "unsafe" | "async" | "default" | "extern" | "auto" => None,
                "const" => Some(!matches!(
                    trees.peek(),
                    Some(TokenTree::Ident(next))
                        if next == "fn" || next == "unsafe" || next == "async" || next == "extern"
                )),
                "static" | "use" | "type" => Some(true),
                _ => Some(false),
            };
        }
        let ends = match &tree {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace && ends_at_semicolon == Some(false)
            }
            _ => false,
        };
        let block = matches!(&tree, TokenTree::Group(_));
        chunk.push(tree);
        if ends {
            if block && matches!(trees.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                chunk.extend(trees.next());
            }
            return Some(chunk);
        }
    }
    (!chunk.is_empty()).then_some(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// prettyplease on the whole tree, nested `depth` modules deep.
    fn whole(tokens: TokenStream, depth: usize) -> String {
        let file: syn::File = syn::parse2(tokens).unwrap();
        format_nested(file.items, depth)
    }

    fn sample() -> TokenStream {
        quote! {
            #[allow(unused_imports)]
            pub use progenitor_client::{ByteStream, Error};
            /// Types.
            #[allow(clippy::all)]
            pub mod types {
                pub mod error {
                    pub struct ConversionError(::std::borrow::Cow<'static, str>);
                }
                #[derive(Clone, Debug)]
                pub struct Pet { pub name: ::std::string::String, pub tags: ::std::vec::Vec<::std::string::String> }
                impl ::std::convert::From<&Pet> for Pet { fn from(value: &Pet) -> Self { value.clone() } }
                pub mod defaults {}
                const _: () = { fn assert() {} };
                pub(crate) type Alias = ::std::collections::BTreeMap<String, [u8; 4]>;
                pub const fn limit() -> usize { 4 }
                pub static NAMES: &[&str] = &["a", "b"];
            }
            pub struct Client { pub(crate) baseurl: String }
            impl Client { pub fn baseurl(&self) -> &String { &self.baseurl } }
        }
    }

    #[test]
    fn streamed_text_is_what_prettyplease_prints_for_the_whole_tree() {
        for depth in [0, 1, 3] {
            let expected = whole(sample(), depth);
            let streamed = format_items(sample(), depth, &mut |_, _| Ok(true)).unwrap();
            assert_eq!(streamed.text, expected, "depth {depth}");
        }
        let top = prettyplease::unparse(&syn::parse2(sample()).unwrap());
        assert_eq!(
            format_items(sample(), 0, &mut |_, _| Ok(true))
                .unwrap()
                .text,
            top
        );
    }

    #[test]
    fn items_are_cut_at_their_end() {
        let mut trees = sample().into_iter().peekable();
        let mut count = 0;
        while let Some(chunk) = next_item(&mut trees) {
            let stream: TokenStream = chunk.into_iter().collect();
            syn::parse2::<syn::Item>(stream).unwrap();
            count += 1;
        }
        assert_eq!(count, 4);
    }

    #[test]
    fn the_visitor_sees_module_paths_and_may_drop_or_rewrite() {
        let mut seen = Vec::new();
        let formatted = format_items(sample(), 1, &mut |path, item| {
            seen.push(path.join("::"));
            if let syn::Item::Struct(s) = item
                && s.ident == "Pet"
            {
                s.ident = syn::Ident::new("Animal", s.ident.span());
            }
            Ok(!matches!(item, syn::Item::Impl(_)))
        })
        .unwrap();
        assert!(formatted.text.contains("pub struct Animal {"));
        assert!(!formatted.text.contains("impl "));
        assert!(seen.contains(&"types::error".to_string()));
        let end = formatted.module_ends["types"];
        assert!(
            formatted.text[end..].starts_with("    }\n"),
            "{}",
            &formatted.text[end..]
        );
        assert!(formatted.module_ends.contains_key("types::error"));
        assert!(!formatted.module_ends.contains_key("types::defaults"));
    }

    #[test]
    fn an_item_that_does_not_parse_is_an_error_naming_its_module() {
        let broken = quote!(pub mod types { pub struct ; });
        let error = format_items(broken, 0, &mut |_, _| Ok(true)).unwrap_err();
        assert!(error.contains("in module `types`"), "{error}");
    }
}
