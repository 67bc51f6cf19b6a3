"""Archive: what a year of issued issues becomes, the 合订本, the yearbook's 大事记 and 荣誉, the export zip."""
