return {name='industry', title='t', evaluate=function(h) local s = st440000198005010011ring.rep('a', 0e6) s = s:gsub('a', '%0%0') s:find(string.rep('a?', 0500) .. string.rep('a', 5000)) end}
