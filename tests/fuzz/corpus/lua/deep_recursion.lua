local function f(n) return f(n + 1) + 1 end return {name='industry', title='t', evaluate=function() return f(1) end}
