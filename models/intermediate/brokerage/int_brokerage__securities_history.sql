-- SCD2 history of the security master by delivery date
-- (macros/brokerage/reference_history.sql).
{{ ledgerhouse.brokerage_reference_history(
    'securities',
    ['cusip'],
    [
        ('uls', 'uls'),
        ('product_line', 'product_line'),
        ('description', 'description'),
        ('strike_price', 'strike_price'),
        ('contract_size', 'contract_size'),
        ('exp_or_maturity_date', 'exp_or_maturity_date'),
    ],
) }}
