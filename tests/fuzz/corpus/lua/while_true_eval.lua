return {name='industry', title='t', evaluate=function(h, out, p) while true do end end}
