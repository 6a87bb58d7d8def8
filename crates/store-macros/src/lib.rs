//! `#[for_backends]`: the sqlx bounds of the store, said once.
//!
//! The store is written once, generically over sqlx's `Database`, for SQLite
//! and PostgreSQL. Rust does not carry a trait's where-clauses to its users
//! (only bounds on `Self`), so every generic `impl` would have to repeat
//! which Rust types the backend must encode and decode. This attribute adds
//! them to an `impl<DB> … for SqlStore<DB>` (or an inherent `impl<DB>
//! SqlStore<DB>`), which keeps the impl an ordinary item that rustfmt and
//! the compiler's messages see as written.

use proc_macro::TokenStream;
use quote::ToTokens;
use syn::{ItemImpl, WhereClause, parse_macro_input, parse_quote};

#[proc_macro_attribute]
pub fn for_backends(attr: TokenStream, item: TokenStream) -> TokenStream {
    parse_macro_input!(attr as syn::parse::Nothing);
    let mut item = parse_macro_input!(item as ItemImpl);
    let bounds: WhereClause = parse_quote! {
        where
            DB: Database,
            for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
            for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
            i16: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            i32: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            f64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            Vec<u8>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            Option<i64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            Option<f64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            Option<String>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
            for<'s> &'s str: ColumnIndex<DB::Row>,
            usize: ColumnIndex<DB::Row>,
    };
    item.generics
        .make_where_clause()
        .predicates
        .extend(bounds.predicates);
    item.into_token_stream().into()
}
