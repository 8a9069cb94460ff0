//! One codec for the domain's closed text sets (`text_enum!`): PostgreSQL keeps them as TEXT,
//! they are bound and read as the enum itself, and a value the domain does not know is a
//! decode error naming the type and the value (never silently a default).

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgRow, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Row, Type};

use crate::domain::approval::{ApprovalRule, Decision};
use crate::domain::form::FieldKind;
use crate::domain::incident::{HoldReason, IncidentState, Level, ResolutionCode};
use crate::domain::problem::{ProblemResolution, ProblemState};
use crate::domain::request::RequestState;
use crate::domain::task::TaskState;
use crate::domain::{Locale, Role};

macro_rules! text_codec {
    ($($t:ty),+ $(,)?) => {$(
        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl PgHasArrayType for $t {
            fn array_type_info() -> PgTypeInfo {
                <&str as PgHasArrayType>::array_type_info()
            }
        }

        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<Postgres>>::decode(value)?;
                <$t>::parse(text)
                    .map_err(|_| format!("unknown {} {text:?}", stringify!($t)).into())
            }
        }

        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(self.as_str(), buf)
            }
        }
    )+};
}

text_codec!(
    Level,
    IncidentState,
    HoldReason,
    ResolutionCode,
    ProblemState,
    ProblemResolution,
    RequestState,
    FieldKind,
    ApprovalRule,
    Decision,
    TaskState,
    Role,
    Locale,
);

/// A timestamp column, as `jiff` keeps it.
pub(crate) fn at(row: &PgRow, column: &str) -> sqlx::Result<jiff::Timestamp> {
    Ok(row.try_get::<jiff_sqlx::Timestamp, _>(column)?.to_jiff())
}

/// A timestamp column that may be NULL.
pub(crate) fn maybe_at(row: &PgRow, column: &str) -> sqlx::Result<Option<jiff::Timestamp>> {
    Ok(row
        .try_get::<Option<jiff_sqlx::Timestamp>, _>(column)?
        .map(jiff_sqlx::Timestamp::to_jiff))
}
