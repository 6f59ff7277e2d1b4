-- SCD2 history of the account master by delivery date
-- (macros/brokerage/reference_history.sql); personal data tokenised here.
{{ ledgerhouse.brokerage_reference_history(
    'accounts',
    ['firm', 'ledger', 'branch', 'base'],
    [
        ('acct_category', 'acct_category'),
        ('rr', 'rr'),
        ('us_citizenship', 'us_citizenship'),
        ('ny_resident', 'ny_resident'),
        ('paper', 'paper'),
        ('intracct_eligible_type', 'intracct_eligible_type'),
        ('intracct_min_amt', 'intracct_min_amt'),
        ('account_closed_date', 'account_closed_date'),
        ('holder_name_token', ledgerhouse.pii_token('holder_name')),
        ('tax_id_token', ledgerhouse.pii_token('tax_id')),
        ('email_token', ledgerhouse.pii_token('email')),
    ],
) }}
