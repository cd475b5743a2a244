//! Where each column sits in the layout's two schemas (the indexes the
//! readers look cells up by, checked against the schemas by the test below),
//! and reading one trimmed cell.

use super::super::csvsrc::CsvFile;

pub(super) mod s {
    pub const SETL_ID: usize = 0;
    pub const PSN_NO: usize = 1;
    pub const FIXMEDINS_CODE: usize = 2;
    pub const SETL_TIME: usize = 3;
    pub const MED_TYPE: usize = 4;
    pub const INSUTYPE: usize = 5;
    pub const MEDFEE_SUMAMT: usize = 6;
    /// The declared amounts (POLICY §10), in [`crate::schema::platform::DECLARED`] order.
    pub const DECLARED: usize = 7;
    pub const PRESCRIBER_ID: usize = 13;
    pub const SETTLEMENT_MODE: usize = 14;
    pub const SUBMITTED_DATE: usize = 15;
    pub const EXCLUSION: usize = 16;
    pub const REVERSES_CLAIM_ID: usize = 17;
}

pub(super) mod f {
    pub const SETL_ID: usize = 0;
    pub const FEEDETL_SN: usize = 1;
    pub const HILIST_CODE: usize = 2;
    pub const MED_LIST_CODG: usize = 3;
    pub const HILIST_NAME: usize = 4;
    pub const MEDINS_LIST_NAME: usize = 5;
    pub const CNT: usize = 6;
    pub const PRIC: usize = 7;
    pub const AMOUNT: usize = 8;
    pub const RXNO: usize = 9;
    pub const RX_DRORD_NO: usize = 10;
    pub const PRD_DAYS: usize = 11;
    pub const PSN_NO: usize = 12;
    pub const FIXMEDINS_CODE: usize = 13;
    pub const SETL_TIME: usize = 14;
}

pub(super) fn cell_of(row: &super::super::csvsrc::Row<'_>, k: usize) -> String {
    row.get_at(k).map(str::trim).unwrap_or("").to_string()
}

pub(super) fn has_column(f: &CsvFile, k: usize) -> bool {
    f.has_column_at(k)
}

#[cfg(test)]
mod tests {
    use super::{f, s};
    use crate::schema::platform::{DECLARED, FEE_DETAILS, SETTLEMENTS};

    #[test]
    fn column_indexes_match_the_schemas() {
        for (k, name) in [
            (s::SETL_ID, "setl_id"),
            (s::PSN_NO, "psn_no"),
            (s::FIXMEDINS_CODE, "fixmedins_code"),
            (s::SETL_TIME, "setl_time"),
            (s::MED_TYPE, "med_type"),
            (s::INSUTYPE, "insutype"),
            (s::MEDFEE_SUMAMT, "medfee_sumamt"),
            (s::PRESCRIBER_ID, "prescriber_id"),
            (s::SETTLEMENT_MODE, "settlement_mode"),
            (s::SUBMITTED_DATE, "submitted_date"),
            (s::EXCLUSION, "exclusion"),
            (s::REVERSES_CLAIM_ID, "reverses_claim_id"),
        ] {
            assert_eq!(SETTLEMENTS[k].name, name);
        }
        for (i, name) in DECLARED.iter().enumerate() {
            assert_eq!(SETTLEMENTS[s::DECLARED + i].name, *name);
        }
        for (k, name) in [
            (f::SETL_ID, "setl_id"),
            (f::FEEDETL_SN, "feedetl_sn"),
            (f::HILIST_CODE, "hilist_code"),
            (f::MED_LIST_CODG, "med_list_codg"),
            (f::HILIST_NAME, "hilist_name"),
            (f::MEDINS_LIST_NAME, "medins_list_name"),
            (f::CNT, "cnt"),
            (f::PRIC, "pric"),
            (f::AMOUNT, "det_item_fee_sumamt"),
            (f::RXNO, "rxno"),
            (f::RX_DRORD_NO, "rx_drord_no"),
            (f::PRD_DAYS, "prd_days"),
            (f::PSN_NO, "psn_no"),
            (f::FIXMEDINS_CODE, "fixmedins_code"),
            (f::SETL_TIME, "setl_time"),
        ] {
            assert_eq!(FEE_DETAILS[k].name, name);
        }
    }
}
