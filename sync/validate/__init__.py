"""Raw cell grids → validated `StoreData` (`workbook.parse_workbook`, the one place every source's
rows are checked): `settings` tells the sheets apart and reads 设置, `cells` / `values` parse one
cell value, `sheet` finds the header and books rejections, `cols` turns the rows into columns,
`rows` / `calls` check the 客户, 回访记录 and 礼品 sheets column-wise; `dedupe` turns duplicates
across sources into rejections."""

from .workbook import parse_workbook

__all__ = ["parse_workbook"]
