//! The two small type patterns every crate of the family repeats: string ids and open sets of
//! names. Exported so each adapter declares its own ids and statuses the same way.

/// Declares a newtype over `String` for an identifier, so one kind of id is never passed where
/// another is expected: `new`, `as_str`, `into_string`, `Display`, `Debug` as `Name("...")`,
/// `From<String>`, `From<&str>`, `AsRef<str>`, ordering, hashing and transparent serde.
///
/// ```
/// signing_core::string_id! {
///     /// The id of an invoice.
///     InvoiceId
/// }
///
/// let id = InvoiceId::new("inv_1");
/// assert_eq!(id.as_str(), "inv_1");
/// assert_eq!(format!("{id:?}"), r#"InvoiceId("inv_1")"#);
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""inv_1""#);
/// ```
#[macro_export]
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <String as $crate::__private::serde::Deserialize<'de>>::deserialize(deserializer)
                    .map(Self)
            }
        }

        impl $name {
            /// Wraps an identifier as the provider issued it.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as the provider spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl ::std::convert::From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Declares an open set of names: an enum with one variant per known value and
/// `Other(String)` for any other, so a value a provider adds later is kept instead of failing
/// to parse. It writes the names given (`as_str`, `Display`, serde as a string) and reads them
/// leniently (`FromStr`, `From<&str>`, serde): exactly, or else ignoring case and `_`, `-` and
/// spaces, so `IN_PROGRESS`, `in_progress`, `InProgress` and `inProgress` are one value.
///
/// ```
/// signing_core::open_enum! {
///     /// Where an invoice is.
///     InvoiceStatus {
///         /// Not paid yet.
///         Open => "OPEN",
///         /// Paid.
///         Paid => "PAID",
///     }
/// }
///
/// assert_eq!(InvoiceStatus::from("PAID"), InvoiceStatus::Paid);
/// assert_eq!(InvoiceStatus::from("paid"), InvoiceStatus::Paid);
/// let later: InvoiceStatus = serde_json::from_str(r#""REFUNDED""#).unwrap();
/// assert_eq!(later, InvoiceStatus::Other("REFUNDED".into()));
/// assert_eq!(serde_json::to_string(&later).unwrap(), r#""REFUNDED""#);
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// A value this version does not know, kept as it was spelled.
            Other(String),
        }

        impl $name {
            /// The value as it is spelled on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(raw) => raw,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            /// Parses a known name, exactly or else loosely; anything else becomes `Other`.
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(match s {
                    $( $text => Self::$variant, )+
                    $( loose if $crate::__private::same_name(loose, $text) => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                })
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    ::std::result::Result::Ok(value) => value,
                    ::std::result::Result::Err(never) => match never {},
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let raw: ::std::borrow::Cow<'de, str> =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(raw.as_ref()))
            }
        }
    };
}
