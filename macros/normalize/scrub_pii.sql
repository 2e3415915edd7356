{#-
    Personal data inside free text (raw contract version 2: personal data stays in staging).

    `scrub_pii(column)`: the text with every phone number, e-mail address and mainland ID-card
    number replaced by a placeholder; null stays null, a text without any is returned unchanged.
      e-mail:   name@domain.tld, also URL-encoded name%40domain.tld            -> '[email]'
      ID card:  18 characters (6-digit region code, birth date 18xx-20xx, 3 digits, a check digit
                or X) or the old 15 digits (region, YYMMDD, 3 digits), as a whole token -> '[id_card]'
      phone:    a mainland mobile (13800138000, 138 0013 8000, 138-0013-8000, +86-138-0013-8000,
                (+86)13800138000, 8613800138000, 008613800138000, 013800138000, full-width digits)
                or a number written with another country code (+852 9123 4567, 00853 6612 3456,
                +1 (415) 555-0132, URL-encoded %2B852...): 8 to 15 digits after '+' or '00'
                                                                            -> '[phone]'
    "Whole token": not inside a longer run of letters and digits, so hashes, product and order
    ids (P0013800138000, a SHA-256 holding eleven digits in a row) are never touched; for phone
    numbers a hyphen joined to letters or digits on that side continues the token, so the
    all-digit groups of a UUID (c080084f-0011-8249-2972-0c90778f37f5) or a SKU (SKU-13800138000)
    are not phone numbers (an ID card, 18 characters with a date, is masked in VIP-<id card>);
    a percent escape (%20, %3D, %26) counts as a separator, as in query strings.

    Cost: one regexp_matches of all patterns together decides first (a DFA scan, about 0.2 µs for a
    100-character URL); a text without personal data (nearly every value) is returned as it is.
    Only a text that holds some goes through the e-mail replacement and two passes of each bounded
    pattern (a separator between two numbers belongs to the first match, so a list such as
    '13800138000,13900139000' needs the second pass).
    Staging base models apply it to every free-text column that can leave staging (see
    docs/privacy in README.md); `looks_like_pii` uses it for identifiers.
    The Python oracle is persona.dev.identifiers.scrub_pii.
-#}
{% macro scrub_pii_patterns() -%}
    {%- set digit = '[0-9０-９]' -%}
    {%- set boundary = '(^|[^0-9０-９A-Za-z]|%[0-9A-Fa-f]{2})' -%}
    {%- set boundary_after = '([^0-9０-９A-Za-z]|%[0-9A-Fa-f]{2}|$)' -%}
    {#- phones: a hyphen joined to letters or digits continues the token (UUID groups, SKUs) -#}
    {%- set phone_boundary = '(^-?|[^0-9０-９A-Za-z\\-]-?|%[0-9A-Fa-f]{2})' -%}
    {%- set phone_boundary_after = '(-?[^0-9０-９A-Za-z\\-]|-?$|%[0-9A-Fa-f]{2})' -%}
    {%- set email_part = '[^ \\t\\r\\n@<>()\\[\\],;:"=&?/*%：，。；、（）【】《》]+' -%}
    {%- set day = '(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])' -%}
    {%- set id_card = '[1-9][0-9]{5}(?:(?:18|19|20)[0-9]{2}' ~ day ~ '[0-9]{3}[0-9Xx]|[0-9]{2}' ~ day ~ '[0-9]{3})' -%}
    {%- set mobile = '(?:[(]?(?:[+]|＋|%2[Bb]|00)?86[)]?[ \\-]?|0)?[1１][3-9３-９]' ~ digit
        ~ '(?:[ \\-]?' ~ digit ~ '{4}){2}' -%}
    {%- set international = '(?:[+]|＋|%2[Bb]|00)[1-9](?:[ ()\\-]{0,2}[0-9]){7,14}' -%}
    {%- set email = email_part ~ '(?:@|%40)' ~ email_part ~ '\\.[A-Za-z]{2,}' -%}
    {%- set bounded = [
        (boundary ~ '(?:' ~ id_card ~ ')' ~ boundary_after, '\\1[id_card]\\2'),
        (phone_boundary ~ '(?:' ~ mobile ~ ')' ~ phone_boundary_after, '\\1[phone]\\2'),
        (phone_boundary ~ '(?:' ~ international ~ ')' ~ phone_boundary_after, '\\1[phone]\\2'),
    ] -%}
    {%- set any_pattern = [email] -%}
    {%- for pattern, _ in bounded -%}{%- do any_pattern.append(pattern) -%}{%- endfor -%}
    {{- return({'email': (email, '[email]'), 'bounded': bounded, 'any': any_pattern | join('|')}) -}}
{%- endmacro %}


{% macro scrub_pii(column) -%}
    {%- set patterns = persona.scrub_pii_patterns() -%}
    {%- set scrubbed = namespace(sql=persona.regexp_replace_all(column, patterns.email[0], patterns.email[1])) -%}
    {%- for pattern, replacement in patterns.bounded -%}
        {%- for _ in range(2) -%}
            {%- set scrubbed.sql = persona.regexp_replace_all(scrubbed.sql, pattern, replacement) -%}
        {%- endfor -%}
    {%- endfor -%}
    (case
        when {{ persona.regexp_matches(column, patterns.any) }} then {{ scrubbed.sql }}
        else {{ column }}
    end)
{%- endmacro %}


{#-
    `looks_like_pii(column)`: true when a value holds a phone number, an e-mail address or a
    mainland ID-card number as scrub_pii finds them (a member id that is a phone number, a cookie
    id that is an e-mail, 'tmall:13800138000'). Identity treats such a value of any identifier type
    as personal data: marts show it only hashed and masked. Null gives false.
-#}
{% macro looks_like_pii(column) -%}
    coalesce({{ persona.regexp_matches(column, persona.scrub_pii_patterns().any) }}, false)
{%- endmacro %}
