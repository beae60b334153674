return {name='industry', title='t', evaluate=function(h, out, p) local s = string.rep('', math.maxinteger) local t = string.rep('x', math.maxinteger) end}
