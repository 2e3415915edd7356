-- the rfm_segments seed maps every recency x frequency cell (1-5 x 1-5) exactly once, each segment code to one name
with scores as (
    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score
),

cells as (
    select
        r_scores.score as r_score,
        f_scores.score as f_score
    from scores as r_scores
    cross join scores as f_scores
),

grid as (
    select * from {{ ref('rfm_segments') }}
),

cell_counts as (
    select
        cells.r_score,
        cells.f_score,
        count(grid.rfm_segment) as mapped
    from cells
    left join grid
        on
            cells.r_score = grid.r_score
            and cells.f_score = grid.f_score
    group by cells.r_score, cells.f_score
),

outside_cells as (
    select
        grid.r_score,
        grid.f_score,
        1 as mapped
    from grid
    left join cells
        on
            grid.r_score = cells.r_score
            and grid.f_score = cells.f_score
    where cells.r_score is null
),

names as (
    select
        rfm_segment,
        count(distinct rfm_segment_zh) as zh_names,
        count(distinct rfm_segment_name_en) as en_names
    from grid
    group by rfm_segment
),

problems as (
    select
        'cell ' || cast(r_score as string) || cast(f_score as string) || ' mapped ' || cast(mapped as string)
        || ' times' as problem
    from cell_counts
    where mapped != 1
    union all
    select 'cell outside the 5x5 grid: ' || cast(r_score as string) || '/' || cast(f_score as string) as problem
    from outside_cells
    union all
    select 'segment ' || rfm_segment || ' has several names' as problem
    from names
    where zh_names != 1 or en_names != 1
    union all
    select 'the grid has ' || cast(count(distinct rfm_segment) as string) || ' segments, not 10' as problem
    from grid
    having count(distinct rfm_segment) != 10
)

select * from problems
