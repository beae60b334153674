-- fp.lua - a tiny stand-in for the real helper library, for unit tests.
local fp = {}
fp.tbl = { 1, 2 }
function fp.twice(x)
    return 2 * x
end
return fp
