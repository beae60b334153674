return {name='industry', title='t', evaluate=function(h) local s = string.rep('a', 1e6) s = s:gsub('a', '%0%0') s:find(string.rep('a?', 5000) .. string.rep('a', 5000)) end}
